# umapi-mock in a container: IMS and UMAPI on one HTTPS port (8443).
#
#   docker build -t umapi-mock .
#   docker run --rm -p 8443:8443 -e UMAPI_MOCK_ADMIN_TOKEN=change-me umapi-mock
#
# The container binds 0.0.0.0, and the CLI refuses a non-loopback bind unless the admin API
# is protected: set UMAPI_MOCK_ADMIN_TOKEN (or pass --admin-token in your own command).
# The local CA is created on first start in /data/tls; clients must trust /data/tls/ca.pem
# (mount /data to keep and read it, or `docker cp <container>:/data/tls/ca.pem .`).
# Its server certificate names localhost, 127.0.0.1 and ::1, which fits `-p 8443:8443`.
# Serve your own org with a seed file: `-v $PWD/seed.yaml:/seed.yaml:ro` and append
# `--seed /seed.yaml` to the command (see examples/seed.yaml).

FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 10001 --user-group umapi \
    && mkdir -p /data/tls && chown -R umapi:umapi /data
USER umapi
WORKDIR /home/umapi
VOLUME ["/data"]
EXPOSE 8443
# Ctrl-C is the emulator's clean stop; `docker stop` sends the same.
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import ssl, sys, urllib.request; ctx = ssl._create_unverified_context(); r = urllib.request.urlopen('https://127.0.0.1:8443/status', context=ctx, timeout=4); sys.exit(0 if r.status == 200 else 1)"]
CMD ["umapi-mock", "serve", "--host", "0.0.0.0", "--port", "8443", "--tls-dir", "/data/tls"]
