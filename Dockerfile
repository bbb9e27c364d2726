# umapi-mock in a container: IMS and UMAPI on one HTTPS port (8443). The entry point is the
# `umapi-mock` command and the default command is `serve`, so arguments replace the command:
#
#   docker build -t umapi-mock .
#   docker run --rm -p 8443:8443 -e UMAPI_MOCK_ADMIN_TOKEN=change-me umapi-mock
#   docker run --rm -p 8443:8443 -e UMAPI_MOCK_ADMIN_TOKEN=change-me \
#       -v "$PWD/seed.yaml:/seed.yaml:ro" umapi-mock serve --seed /seed.yaml
#   docker run --rm umapi-mock serve --help
#
# Every serve option also comes from a UMAPI_MOCK_* variable (`-e UMAPI_MOCK_SEED=/seed.yaml`,
# `-e UMAPI_MOCK_THROTTLE=documented`); arguments win over variables. The image sets
# UMAPI_MOCK_HOST=0.0.0.0, UMAPI_MOCK_PORT=8443 and UMAPI_MOCK_TLS_DIR=/data/tls.
# A non-loopback bind needs an admin token: set UMAPI_MOCK_ADMIN_TOKEN.
# The local CA is created on first start in /data/tls (a volume: mount it to keep the CA
# across containers); -e UMAPI_MOCK_DATA_DIR=/data/state keeps the emulator's state there too. Trust its ca.pem: `curl -k https://127.0.0.1:8443/_mock/ca.pem -o ca.pem`,
# or `docker cp <container>:/data/tls/ca.pem .`. The server certificate names localhost,
# 127.0.0.1 and ::1, which fits `-p 8443:8443`; add names with UMAPI_MOCK_TLS_NAME (e.g. the
# compose service name). See examples/compose.yaml.
#
# PYTHON_IMAGE: any image with Python 3.10+ and its venv module (python3 on PATH).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY . .
RUN python3 -m venv /opt/umapi-mock \
    && /opt/umapi-mock/bin/python -m pip install --no-cache-dir --disable-pip-version-check . \
    && /opt/umapi-mock/bin/umapi-mock --version

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/umapi-mock/bin:$PATH \
    UMAPI_MOCK_HOST=0.0.0.0 \
    UMAPI_MOCK_PORT=8443 \
    UMAPI_MOCK_TLS_DIR=/data/tls
COPY --from=build /opt/umapi-mock /opt/umapi-mock
RUN useradd --create-home --uid 10001 --user-group umapi \
    && mkdir -p /data/tls && chown -R umapi:umapi /data
USER umapi
WORKDIR /home/umapi
VOLUME ["/data"]
EXPOSE 8443
# /status over HTTPS (any certificate: this only asks whether it answers), else plain HTTP.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python3", "-c", "import os, ssl, sys, urllib.request as u; p = os.environ.get('UMAPI_MOCK_PORT', '8443'); c = ssl._create_unverified_context()\nfor url in (f'https://127.0.0.1:{p}/status', f'http://127.0.0.1:{p}/status'):\n    try:\n        sys.exit(0 if u.urlopen(url, context=c if url[4] == 's' else None, timeout=4).status == 200 else 1)\n    except OSError:\n        pass\nsys.exit(1)"]
ENTRYPOINT ["umapi-mock"]
CMD ["serve"]
