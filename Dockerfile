# The livefest services (migrate, aggregator, api, ingest, simulate): one image, the
# command picks the service. See docker-compose.yml and deploy/README.md.
# The big screen's chart library, exactly as the lock file pins it (no CDN at the venue).
FROM node:20-slim AS screen
WORKDIR /screen
COPY services/api/screen/package.json services/api/screen/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LIVEFEST_DATA_DIR=/var/lib/livefest

WORKDIR /app
# The pinned dependencies first (their own layer): exactly the lock's versions and hashes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY livefest ./livefest
COPY services ./services
COPY kernel ./kernel
COPY schemas ./schemas
COPY --from=screen /screen/node_modules/echarts/dist/echarts.min.js ./services/api/screen/node_modules/echarts/dist/
# LIVEFEST_DATA_DIR is the livefest user's alone (a named volume mounted there starts with
# this mode): the spool holds the platforms' grants (kernel/private_files.py).
RUN pip install --no-deps . \
    && useradd --system --home-dir /var/lib/livefest --create-home livefest \
    && chmod 0700 /var/lib/livefest

USER livefest
ENTRYPOINT ["livefest"]
CMD ["--help"]
