-- Device leases as rows: a run takes and gives back a device in one statement of its own, where a
-- lease workflow per device cost each change an update, a signal and their workflow tasks.
CREATE TABLE "device_lease" (
    "serial" TEXT NOT NULL,
    "holder_workflow_id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "granted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_lease_pkey" PRIMARY KEY ("serial")
);

CREATE TABLE "device_lease_waiter" (
    "serial" TEXT NOT NULL,
    "holder_workflow_id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_lease_waiter_pkey" PRIMARY KEY ("serial","holder_workflow_id")
);
