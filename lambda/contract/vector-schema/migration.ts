/** One step of the vector store's schema. */
export interface Migration {
  /** Sortable, unique, never reused: `NNN_description`. */
  readonly id: string;
  readonly sql: string;
  /**
   * Run on every migration, after the others, and never recorded: an idempotent step that brings
   * the schema to what the options ask for now (the semantic cache's vector size).
   */
  readonly repeatable?: boolean;
}
