-- Device leases as rows: a run takes and gives back a device in one statement on its row, where a
-- lease workflow per device cost each change an update, a signal and their workflow tasks.
CREATE TABLE "device_lease" (
    "serial" TEXT NOT NULL,
    "holder_workflow_id" TEXT,
    "purpose" TEXT,
    "granted_at" TIMESTAMPTZ(3),
    "waiting" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "device_lease_pkey" PRIMARY KEY ("serial")
);
