-- AlterTable
ALTER TABLE "allocation" ADD COLUMN     "peer_site_id" UUID;
