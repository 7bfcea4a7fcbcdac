-- A switch names the link or hub path it moved from and to: hub paths have no WAN link row.
ALTER TABLE "link_switch_event" ADD COLUMN "from_path" TEXT, ADD COLUMN "to_path" TEXT;

-- Switches recorded before: the names of the WAN links they point to.
UPDATE "link_switch_event" e SET "from_path" = l."name" FROM "wan_link" l WHERE l."id" = e."from_link_id";
UPDATE "link_switch_event" e SET "to_path" = l."name" FROM "wan_link" l WHERE l."id" = e."to_link_id";
