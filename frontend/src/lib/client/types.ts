/** Shapes of the API's answers (the HTTP contract; generated from the OpenAPI document in part
 * of issue 13 — until then written out here, exactly as documented). */

export type Priority = "low" | "medium" | "high";
export type TaskStatus = "all" | "pending" | "completed";
export type TaskSort = "created" | "due" | "priority";

export interface User {
  id: number;
  email: string;
  name: string | null;
}

export interface Task {
  id: number;
  title: string;
  description: string;
  completed: boolean;
  priority: Priority;
  due_date: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

/** PATCH /tasks/{id}: only the fields sent change; `due_date: null` clears the date. */
export interface TaskUpdate {
  title?: string;
  description?: string;
  priority?: Priority;
  due_date?: string | null;
  completed?: boolean;
}

/** What a chat action did to the task list: `result.task` was created/changed or deleted. */
export type ActionEffect = "none" | "upsert" | "delete";

export interface ChatAction {
  tool: string;
  effect: ActionEffect;
  arguments: Record<string, unknown>;
  result: Record<string, unknown>;
}

export type ChatMode = "ai" | "demo";

export interface ChatResponse {
  conversation_id: number;
  reply: string;
  mode: ChatMode;
  actions: ChatAction[];
}

export interface Conversation {
  id: number;
  title: string;
  created_at: string;
  updated_at: string;
}

export interface ChatMessage {
  id: number;
  role: "user" | "assistant";
  content: string;
  mode: ChatMode | null;
  actions: ChatAction[];
  created_at: string;
}
