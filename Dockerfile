# One image for the API (with the admin console), the worker and the one-shot migration.
# The runtime dependencies come from requirements.lock (pinned, hash-checked), as for `make run`.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LOG_FORMAT=json
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY services ./services
COPY graphql_schema ./graphql_schema
COPY admin_ui ./admin_ui
COPY workers ./workers
COPY scripts/uvicorn_log.json ./scripts/uvicorn_log.json
RUN pip install --no-cache-dir --no-deps . && useradd --system tousu
USER tousu
EXPOSE 8000
# --http: uvicorn's httptools protocol writing each response in one send (graphql_schema/server.py)
CMD ["uvicorn", "graphql_schema.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--http", "graphql_schema.server:OneWrite", "--proxy-headers", \
     "--log-config", "scripts/uvicorn_log.json"]
