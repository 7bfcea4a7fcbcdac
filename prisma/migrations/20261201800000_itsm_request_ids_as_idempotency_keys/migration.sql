-- An ITSM request's webhook-id is now its idempotency key (idempotency_key): spent only with a 2xx answer.
-- DropTable
DROP TABLE "itsm_request_id";
