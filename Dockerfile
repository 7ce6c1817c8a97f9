FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv
COPY pyproject.toml README.md alembic.ini ./
COPY pagila_graph ./pagila_graph
COPY graph ./graph
COPY domain ./domain
COPY persistence ./persistence
COPY agents ./agents
COPY migrations ./migrations
RUN pip install . && useradd --create-home app
USER app
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# With DATABASE_URL set, serve migrates and loads Pagila into an empty database, then serves.
CMD ["pagila-graph", "serve"]
