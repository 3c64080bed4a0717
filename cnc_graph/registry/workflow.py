"""The registration workflow's state machine, as a table: states, actions, the roles that may take them.

States: draft → submitted → under-review → (changes-requested → submitted …) → approved → published;
rejected; withdrawn. ``TRANSITIONS`` is the whole state machine: (from state, action, role) → to state.
Anything not in it is refused with the transitions the caller's role does have (``TransitionRefused``).
"""

from __future__ import annotations

from cnc_graph.errors import Conflict
from cnc_graph.registry.accounts import Account

DRAFT, SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED = "draft", "submitted", "under-review", "changes-requested"
APPROVED, REJECTED, PUBLISHED, WITHDRAWN = "approved", "rejected", "published", "withdrawn"
STATES = (DRAFT, SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED, APPROVED, REJECTED, PUBLISHED, WITHDRAWN)
ACTIONS = ("create", "edit", "submit", "assign", "request-changes", "approve", "reject", "publish", "withdraw")
APPLICANT, REVIEWER, ADMIN = "applicant", "reviewer", "admin"

_RULES: tuple[tuple[tuple[str | None, ...], str, tuple[str, ...], str | None], ...] = (
    # (from states, action, roles, to state — None: stays where it is)
    ((None,), "create", (APPLICANT, ADMIN), DRAFT),
    ((DRAFT, CHANGES_REQUESTED), "edit", (APPLICANT, ADMIN), None),
    ((DRAFT, CHANGES_REQUESTED), "submit", (APPLICANT, ADMIN), SUBMITTED),
    ((SUBMITTED, UNDER_REVIEW), "assign", (REVIEWER, ADMIN), UNDER_REVIEW),
    ((UNDER_REVIEW,), "request-changes", (REVIEWER, ADMIN), CHANGES_REQUESTED),
    ((UNDER_REVIEW,), "approve", (REVIEWER, ADMIN), APPROVED),
    ((UNDER_REVIEW,), "reject", (REVIEWER, ADMIN), REJECTED),
    ((APPROVED,), "publish", (ADMIN,), PUBLISHED),
    ((DRAFT, SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED, APPROVED), "withdraw", (APPLICANT, ADMIN), WITHDRAWN),
)

TRANSITIONS: dict[tuple[str | None, str, str], str] = {
    (state, action, role): (to or state)  # type: ignore[misc]
    for states, action, roles, to in _RULES
    for state in states
    for role in roles
}


def allowed_transitions(state: str | None, role: str) -> list[tuple[str, str]]:
    """Return the (action, to state) pairs ``role`` may take from ``state``, in workflow order."""
    found = [(action, to) for (s, action, r), to in TRANSITIONS.items() if s == state and r == role]
    return sorted(found, key=lambda pair: ACTIONS.index(pair[0]))


class TransitionRefused(Conflict):
    """An action the state machine does not allow for this role in this state (HTTP 409)."""

    def __init__(self, state: str | None, action: str, role: str) -> None:
        self.state = state
        self.action = action
        self.role = role
        self.allowed = allowed_transitions(state, role)
        listed = ", ".join(f"{a} → {t}" for a, t in self.allowed) or "none"
        where = f"a {state} application" if state else "a new application"
        super().__init__(f"a {role} cannot {action} {where}; allowed: {listed}")

    def problem_extra(self) -> dict[str, object]:
        """Return the structured part of the refusal, for the problem+json body."""
        return {
            "state": self.state,
            "action": self.action,
            "role": self.role,
            "allowed": [{"action": a, "to": t} for a, t in self.allowed],
        }


def next_state(state: str | None, action: str, role: str) -> str:
    """Return the state ``action`` leads to from ``state`` for ``role``, or raise TransitionRefused."""
    to = TRANSITIONS.get((state, action, role))
    if to is None:
        raise TransitionRefused(state, action, role)
    return to


def may_see(account: Account, status: str, applicant: str) -> bool:
    """Return whether an account may see an application (applicants: their organisation's; reviewers: not drafts)."""
    if account.role == APPLICANT:
        return applicant == account.organisation
    if account.role == REVIEWER:
        return status != DRAFT
    return account.role == ADMIN
