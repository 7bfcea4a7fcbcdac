-- Alarms with a lifecycle: acknowledged by someone with a note, cleared by their cause or by hand.
ALTER TABLE "alarm" ADD COLUMN "acknowledged_by" TEXT,
ADD COLUMN "acknowledged_at" TIMESTAMPTZ(3),
ADD COLUMN "acknowledge_note" TEXT,
ADD COLUMN "cleared_by" TEXT,
ADD COLUMN "clear_note" TEXT;

-- Raising looks up the open alarm of a key.
CREATE INDEX "alarm_dedupe_key_state_idx" ON "alarm"("dedupe_key", "state");
