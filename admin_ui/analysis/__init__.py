"""The monthly analysis pages (C-11, A-3): /analysis, its CSV and Excel files, its print view."""
