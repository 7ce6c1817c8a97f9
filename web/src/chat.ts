// The assistant: questions go through the `agentStream` subscription (graphql-transport-ws);
// tokens are shown as they arrive, with the speaking agent, tool calls and handoffs.

import { h } from "./dom";
import { AgentStreamDocument, type AgentStreamSubscription } from "./generated/graphql";
import { AppError, fromCode } from "./errors";
import { filmCard } from "./films";
import { onConnectionState, wsClient } from "./live";
import { errorBox } from "./ui";

type AgentEvent = AgentStreamSubscription["agentStream"];

const AGENT_NAMES: Record<string, string> = {
  SearchAgent: "Film search",
  LLMAgent: "General assistant",
};

function agentName(agent: string): string {
  return AGENT_NAMES[agent] ?? agent.replace(/([a-z])([A-Z])/g, "$1 $2");
}

export function createChat(): HTMLElement {
  let conversationId: number | null = null;
  let cancel: (() => void) | null = null;

  const log = h("ol", { class: "chat-log", id: "chat-log", "aria-live": "polite", "aria-relevant": "additions" });
  const question = h("textarea", {
    id: "chat-question",
    name: "question",
    rows: 2,
    required: true,
    maxlength: 2000,
    placeholder: "e.g. Is ACADEMY DINOSAUR in stock at store 1?",
  });
  const send = h("button", { type: "submit", class: "primary", id: "chat-send" }, "Ask");
  const stop = h("button", { type: "button", id: "chat-cancel", hidden: true }, "Cancel");
  const fresh = h("button", { type: "button", id: "chat-new", class: "link" }, "New conversation");
  const conversationLabel = h("span", { id: "chat-conversation", class: "muted" }, "");
  const connection = h("p", { id: "chat-connection", class: "muted", role: "status" });

  onConnectionState((state) => {
    connection.dataset.state = state;
    connection.textContent =
      state === "reconnecting"
        ? "Disconnected from the assistant — reconnecting automatically…"
        : state === "closed"
          ? "Disconnected from the assistant. Your next question reconnects."
          : "";
    connection.className = state === "reconnecting" || state === "closed" ? "notice notice-warn" : "muted";
  });

  let blockedUntil = 0; // after RATE_LIMITED: no new question before this time (ms)
  const setBusy = (busy: boolean): void => {
    send.disabled = busy || Date.now() < blockedUntil;
    stop.hidden = !busy;
    question.disabled = busy;
  };

  fresh.addEventListener("click", () => {
    cancel?.();
    conversationId = null;
    conversationLabel.textContent = "";
    log.replaceChildren();
    question.focus();
  });

  const ask = (text: string): void => {
    log.append(h("li", { class: "msg msg-user" }, h("span", { class: "visually-hidden" }, "You: "), text));
    const speaker = h("p", { class: "msg-agent" }, "Assistant");
    const answer = h("div", { class: "msg-text", "data-delta-count": 0 });
    const steps = h("ul", { class: "steps" });
    const stepsBox = h("details", { class: "steps-box", hidden: true }, h("summary", {}, "How I got this"), steps);
    const extra = h("div", { class: "msg-extra" });
    const item = h("li", { class: "msg msg-assistant", "aria-busy": "true" }, speaker, answer, stepsBox, extra);
    log.append(item);
    item.scrollIntoView({ block: "end" });
    let deltas = 0;
    let speaking = "";
    const step = (label: string, detail?: string): void => {
      stepsBox.hidden = false;
      steps.append(h("li", {}, label, detail ? h("pre", {}, detail) : null));
    };
    const finish = (): void => {
      item.setAttribute("aria-busy", "false");
      setBusy(false);
      cancel = null;
      question.focus();
    };
    const fail = (error: AppError): void => {
      extra.append(errorBox(error));
      if (error.kind === "rate_limited" && error.retryAfterSeconds) {
        // keep the button off until the wait is over
        const wait = error.retryAfterSeconds * 1000;
        blockedUntil = Date.now() + wait;
        send.disabled = true;
        window.setTimeout(() => (send.disabled = !stop.hidden), wait);
      }
    };
    const onEvent = (event: AgentEvent): void => {
      switch (event.__typename) {
        case "RunStarted":
          if (event.conversationId) conversationId = event.conversationId;
          break;
        case "AgentMessageDelta":
          if (event.agent !== speaking) {
            speaking = event.agent;
            speaker.textContent = agentName(event.agent);
            speaker.dataset.agent = event.agent;
          }
          deltas += 1;
          answer.append(event.delta);
          answer.dataset.deltaCount = String(deltas);
          break;
        case "ToolCallStarted":
          step(`${agentName(event.agent)} looks up ${event.plugin}.${event.function}`, event.arguments);
          break;
        case "ToolCallFinished":
          step(
            `${event.plugin}.${event.function} answered in ${Math.round(event.durationMs)} ms`,
            event.resultPreview,
          );
          break;
        case "HandoffOccurred":
          step(`${agentName(event.fromAgent)} handed over to ${agentName(event.toAgent)}`, event.reason);
          speaker.textContent = agentName(event.toAgent);
          speaker.dataset.agent = event.toAgent;
          break;
        case "RunCompleted":
          if (event.conversationId) conversationId = event.conversationId;
          conversationLabel.textContent = conversationId ? `Conversation #${conversationId}` : "";
          speaker.textContent = agentName(event.agent);
          speaker.dataset.agent = event.agent;
          if (!answer.textContent) answer.textContent = event.answer;
          if (event.films.length) {
            extra.append(h("ul", { class: "film-grid film-grid-small", "aria-label": "Films mentioned" }, event.films.map(filmCard)));
          }
          if (event.ungroundedTitles.length) {
            extra.append(
              h("p", { class: "notice notice-warn" }, `Not in our catalogue: ${event.ungroundedTitles.join(", ")}.`),
            );
          }
          break;
        case "RunFailed":
          fail(fromCode(event.code, event.message, event.retryAfterSeconds ?? null));
          break;
      }
      item.scrollIntoView({ block: "end" });
    };

    setBusy(true);
    let done = false;
    const dispose = wsClient().subscribe<AgentStreamSubscription>(
      { query: String(AgentStreamDocument), variables: { question: text, conversationId } },
      {
        next: (result) => {
          if (result.errors?.length) {
            const first = result.errors[0];
            const code = String((first?.extensions as { code?: unknown } | undefined)?.code ?? "");
            fail(fromCode(code, first?.message ?? ""));
          } else if (result.data) {
            onEvent(result.data.agentStream);
          }
        },
        error: (error: unknown) => {
          if (done) return;
          done = true;
          const message = Array.isArray(error) ? String((error[0] as { message?: string })?.message ?? "") : "";
          fail(
            message
              ? new AppError("other", message)
              : new AppError("disconnected", "The connection to the assistant was lost. Please ask again."),
          );
          finish();
        },
        complete: () => {
          if (done) return;
          done = true;
          finish();
        },
      },
    );
    cancel = () => {
      if (done) return;
      done = true;
      dispose();
      extra.append(h("p", { class: "muted" }, "Cancelled."));
      finish();
    };
  };

  stop.addEventListener("click", () => cancel?.());

  const form = h(
    "form",
    {
      class: "chat-form",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const text = question.value.trim();
        if (!text) {
          question.setAttribute("aria-invalid", "true");
          question.focus();
          return;
        }
        question.removeAttribute("aria-invalid");
        question.value = "";
        ask(text);
      },
    },
    h("label", { for: "chat-question" }, "Ask the store’s assistant"),
    question,
    h("div", { class: "chat-actions" }, send, stop, fresh),
  );
  question.addEventListener("keydown", (event: KeyboardEvent) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  return h(
    "section",
    { class: "chat", id: "chat", "aria-labelledby": "chat-heading" },
    h("h2", { id: "chat-heading" }, "Assistant ", conversationLabel),
    connection,
    log,
    form,
  );
}
