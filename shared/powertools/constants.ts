/**
 * The `service` of every log line, metric and trace (POWERTOOLS_SERVICE_NAME in the stack): the
 * alarms and the dashboard select metrics by it.
 */
export const SERVICE_NAME = 'burnrate';
