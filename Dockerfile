# syntax=docker/dockerfile:1
# The gateway's container image, laid out as Kong's: the same KONG_* settings, ports, declarative file path and
# /status/ready health check, so a `docker run` or a Kubernetes manifest written for Kong's image carries over.
#
#   docker build -t kong-compatible-gateway:0.1.0 .
#   docker run --rm -p 8000:8000 -p 8100:8100 -v "$PWD/kong.yaml:/kong/declarative/kong.yml:ro" kong-compatible-gateway:0.1.0
#
# test/deploy/dockerfile.test.ts checks this file against the gateway: it runs the ENTRYPOINT and CMD below with
# this ENV, probes the ports EXPOSEd and runs the HEALTHCHECK's command; test/deploy/package.test.ts does the build
# stage's pack and install.

ARG NODE_IMAGE=node:24-slim

# Build: exactly what `npm pack` ships (package.json "files"), plus the lockfile's runtime dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY . .
RUN npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /app \
 && tar -xzf /tmp/kong-compatible-gateway-*.tgz -C /app --strip-components=1 \
 && cp package-lock.json /app/
WORKDIR /app
# No dependency has an install script; Node 24 is the base image's (the `node` devDependency is left out).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Runtime: Node 24 and the packed project, owned by root and read-only to the non-root user that runs it.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    KONG_DATABASE=off \
    KONG_DECLARATIVE_CONFIG=/kong/declarative/kong.yml \
    KONG_PROXY_LISTEN="0.0.0.0:8000, 0.0.0.0:8443 ssl" \
    KONG_ADMIN_LISTEN=127.0.0.1:8001 \
    KONG_STATUS_LISTEN=0.0.0.0:8100
COPY --from=build /app /app
COPY deploy/healthcheck.js /app/deploy/healthcheck.js
WORKDIR /app
# The base image's `node` user, uid 1000: the uid Kong's image and Helm chart run as.
USER node
# The proxy (HTTP, HTTPS) and the status listener. The admin API listens on loopback only, as in Kong's image:
# set KONG_ADMIN_LISTEN=0.0.0.0:8001 and publish 8001 to reach it from outside.
EXPOSE 8000 8443 8100
# The gateway drains on SIGTERM (readiness 503, stop accepting, finish in-flight requests, exit 0); Kong's image
# says SIGQUIT, nginx's graceful stop.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["node", "/app/deploy/healthcheck.js"]
# Node's flags as `npm start` and the bin's shebang give them (see README, Settings). `docker run IMAGE validate
# /kong/declarative/kong.yml` runs the other commands.
ENTRYPOINT ["node", "--max-semi-space-size=32", "--min-semi-space-size=32", "/app/bin/gateway.js"]
CMD ["start"]
