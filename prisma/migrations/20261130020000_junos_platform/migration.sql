-- The simulator's private family "junos-sim" became Junos itself: the devices it named are
-- driven by the junos driver, in Junos's own configuration schema.
UPDATE "device" SET "platform" = 'junos' WHERE "platform" = 'junos-sim';
