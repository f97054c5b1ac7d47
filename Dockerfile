# kretry's image: compiled JavaScript on node:20-slim, production dependencies only, run as the
# non-root `node` user (uid 1000). No tsx at run time. Build: `docker build -t kretry .` (docker-compose.yml
# does it for the `kretry` service). Static checks in test/unit/deploy/dockerfile.test.ts.

# 1. Compile TypeScript to dist/.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: a lifecycle script (e.g. a `prepare` build) must not run before src/ is here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. Production dependencies only.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. Runtime: the compiled code, its dependencies, and the files it reads at run time.
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# package.json: src/package-root.ts finds the package root by it (name "kretry").
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# Read at run time: schemas/*.avsc (src/kafka/schemas.ts), openapi/openapi.json (src/api/routes.ts).
COPY schemas ./schemas
COPY openapi ./openapi
# The image's unprivileged `node` user, by number so hosts and policies can resolve it (hadolint DL3066).
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["start"]
