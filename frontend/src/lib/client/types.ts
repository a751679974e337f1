/** The API's shapes, as its OpenAPI document declares them: generated into
 * `src/lib/api/schema.d.ts` (`npm run gen:api`), never written out by hand. */

import type { components } from "@/lib/api/schema";

type Schemas = components["schemas"];

export type Priority = Schemas["Priority"];
export type TaskStatus = Schemas["TaskStatus"];
export type TaskSort = Schemas["TaskSort"];
export type User = Schemas["UserPublic"];
export type Task = Schemas["TaskPublic"];
/** PATCH /tasks/{id}: only the fields sent change; `due_date: null` clears the date. */
export type TaskUpdate = Schemas["TaskUpdate"];
export type ChatMode = Schemas["Mode"];
export type Conversation = Schemas["ConversationPublic"];

export type ChatAction = Schemas["ActionPublic"];
/** What a chat action did to the task list: `result.task` was created/changed or deleted. */
export type ActionEffect = Schemas["ActionEffect"];
export type ChatResponse = Schemas["ChatResponse"];
export type ChatMessage = Schemas["MessagePublic"];
