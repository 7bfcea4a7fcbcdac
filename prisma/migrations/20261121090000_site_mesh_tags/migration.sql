-- AlterTable
ALTER TABLE "site" ADD COLUMN     "mesh_tags" TEXT[] DEFAULT ARRAY[]::TEXT[];
