# One image for every Branchline process (api, worker, setup); the command picks the role.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The workflow bundle; the bootstrap builds the Prisma client and the UI first (scripts/prepare.ts).
RUN npm run build:workflows

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
COPY --from=build /app /app
RUN npm prune --omit=dev --no-audit --no-fund
USER node
EXPOSE 8080
CMD ["node", "--import", "tsx", "api/server.ts"]
