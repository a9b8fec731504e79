import type { ReasoningConfig } from './types.js';

/**
 * Reasoning effort (OpenAI) ⇄ thinking budget in tokens (Anthropic, Gemini). The mapping is
 * lossy by nature: efforts map to fixed budgets, budgets to the nearest effort.
 */
const BUDGETS = { minimal: 1024, low: 2048, medium: 8192, high: 24576 } as const;

export function effortToBudget(effort: NonNullable<ReasoningConfig['effort']>): number {
  return BUDGETS[effort];
}

export function budgetToEffort(budget: number): NonNullable<ReasoningConfig['effort']> {
  if (budget <= BUDGETS.minimal) return 'minimal';
  if (budget <= BUDGETS.low) return 'low';
  if (budget <= BUDGETS.medium) return 'medium';
  return 'high';
}

/** The budget a thinking-enabled config asks for: explicit, from its effort, or `fallback`. */
export function reasoningBudget(config: ReasoningConfig, fallback: number): number {
  return config.budgetTokens ?? (config.effort ? effortToBudget(config.effort) : fallback);
}
