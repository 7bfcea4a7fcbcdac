import { Connection, type ConnectionOptions } from '@temporalio/client';
import proto from '@temporalio/proto';
import { searchAttributes } from '../domain/task-queues.ts';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const types = { Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST };

/**
 * Registers the search attributes Branchline's runs carry on a Temporal namespace, if missing.
 * The development server gets them from its command line; a real cluster gets them here.
 */
export async function ensureSearchAttributes(connectionOptions: ConnectionOptions, namespace: string): Promise<string[]> {
  const connection = await Connection.connect(connectionOptions);
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = { ...existing.customAttributes, ...existing.systemAttributes };
    const missing = Object.values(searchAttributes).filter((attribute) => !(attribute.name in known));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((attribute) => [attribute.name, types[attribute.type]])),
      });
    }
    return missing.map((attribute) => attribute.name);
  } finally {
    await connection.close();
  }
}
