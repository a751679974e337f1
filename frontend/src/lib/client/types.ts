/** Shapes from the API contract (docs: shared/reference/api-contract.md). */

export type Priority = "low" | "medium" | "high";

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

export interface ChatAction {
  tool: string;
  arguments: Record<string, unknown>;
  result: unknown;
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
  title?: string | null;
  created_at?: string;
  updated_at?: string;
}

export interface ChatMessage {
  id: number | string;
  role: "user" | "assistant" | string;
  content: string;
  mode?: ChatMode | null;
  actions?: ChatAction[] | null;
  created_at?: string;
}
