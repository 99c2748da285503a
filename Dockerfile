# Yimi (一米): the production image.
#
#   docker build -t yimi .
#
# The schema is migrated by a separate release step, once per deployment and before the new app
# processes start, never by the app processes themselves (several workers or containers must not race):
#
#   docker run --rm --env-file yimi.env yimi sh -c "yimi db upgrade && yimi consent sync"
#   docker run -d -p 8000:8000 --env-file yimi.env yimi
#
# yimi.env holds YIMI_DATABASE_URL, YIMI_RATE_LIMIT_STORAGE (a Redis, redis://host:6379/0) and the three
# secrets (YIMI_SECRET_KEY, YIMI_DATA_KEY, YIMI_LOOKUP_KEY; print fresh ones with
# `docker run --rm yimi yimi keys generate`). With YIMI_ENV=production, set below, start-up refuses missing
# or placeholder secrets and per-process rate limits (memory://), and names the variable.
# compose.yaml beside this file wires the same steps with PostgreSQL and Redis.

FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    YIMI_ENV=production \
    YIMI_VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, in a layer of their own that is reused until pyproject.toml changes.
# (A stub package is enough to resolve them; the real tree is installed over it below.)
COPY pyproject.toml README.md ./
RUN mkdir app && touch app/__init__.py \
 && pip install --no-cache-dir -e . \
 && rm -rf app

# The source tree. The install is editable on purpose: templates/, static/, migrations/, alembic.ini and
# consent/ live at the repository root, outside the `app` package, and are found relative to it.
COPY . .
RUN pip install --no-cache-dir --no-deps -e . \
 && pybabel compile -d app/locales -D messages \
 && python -m compileall -q app migrations

# A non-root user that owns only /app/var (SQLite and other runtime files when no other place is
# configured); the code, templates and catalogs stay read-only to the process.
RUN groupadd --system --gid 10001 yimi \
 && useradd --system --uid 10001 --gid yimi --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin yimi \
 && mkdir -p /app/var \
 && chown yimi:yimi /app/var
USER yimi

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Uvicorn workers behind a load balancer or reverse proxy. X-Forwarded-For/-Proto are trusted only from
# the addresses in FORWARDED_ALLOW_IPS (read by uvicorn): set it to the proxy's address. Trusting every
# peer would let clients choose the address that rate limits count against.
ENV FORWARDED_ALLOW_IPS=127.0.0.1
CMD ["yimi", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--proxy-headers"]
