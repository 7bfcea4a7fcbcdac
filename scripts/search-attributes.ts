import { Connection, isGrpcServiceError, type ConnectionOptions } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
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

/** gRPC's code for a namespace registered already. */
const alreadyExists = 6;

/**
 * Makes sure a namespace exists with Branchline's search attributes, and waits until both can be
 * used: a server takes a new namespace and new attributes into use when its namespace cache
 * refreshes (seconds later), and until then calls naming them fail.
 */
export async function ensureNamespace(connectionOptions: ConnectionOptions, namespace: string, timeoutMs = 60_000): Promise<void> {
  const connection = await Connection.connect(connectionOptions);
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') }).catch((error: unknown) => {
      if (!(isGrpcServiceError(error) && error.code === alreadyExists)) throw error;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await ensureSearchAttributes(connectionOptions, namespace);
        // A query on a custom attribute is refused until the server knows the attribute.
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1, query: `${searchAttributes.tenant.name} = 'none'` });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`Temporal namespace ${namespace} was not usable after ${timeoutMs / 1000} s: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    await connection.close();
  }
}
