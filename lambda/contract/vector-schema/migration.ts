/** One step of the vector store's schema. */
export interface Migration {
  /** Sortable, unique, never reused: `NNN_description`. */
  readonly id: string;
  readonly sql: string;
}
