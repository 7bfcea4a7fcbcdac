// A webhook delivery's id.

export const deliveryWorkflowId = (deliveryId: string) => `webhook-delivery/${deliveryId}`;
