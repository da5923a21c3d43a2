/**
 * Every field, parameter and event `data` of the platform is snake_case. The one exception is a document of
 * an external standard carried as it is (OpenSLO's `apiVersion`, `budgetingMethod`, …): its schema says so
 * with this OpenAPI extension, so clients know, and the naming check leaves that subtree alone.
 */
export const EXTERNAL_FORMAT = 'x-external-format';
