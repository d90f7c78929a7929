"""The domain of Tousu: complaints, refunds and their rules.

Knows nothing of GraphQL, HTML or arq.
"""
