"""A small LALR(1) parser generator that builds its tables the way the Lemon parser generator does.

RediSearch's query grammars are Lemon grammars; where and how a malformed query fails depends on Lemon's
table construction, not only on the language: shift/reduce conflicts are settled by operator precedence
(a rule's precedence is its explicit ``[X]`` or its leftmost terminal that has one; equal precedence
goes by associativity; without precedence the shift wins) and reduce/reduce conflicts by precedence or
else by the earlier rule; every state reduces by its most frequent rule when the lookahead has no action
of its own (a "default reduction"), except a rule of the start symbol; and a token with a ``%fallback``
is read as its fallback where it has no action of its own. The syntax checker (query/syntax.py) states
the grammars; this module turns one into tables and runs them over a token stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

EOF = "$"

Action = tuple[str, int]  # ("s", state) | ("r", rule) | ("a", 0)


@dataclass(frozen=True, slots=True)
class Rule:
    lhs: str
    rhs: tuple[str, ...]
    prec: str | None = None  # an explicit [X]
    # The name of the reduction's action (run() takes the actions by rule); "" for none (the value of
    # the left-hand side is then the first value of the right-hand side's).
    name: str = ""


def rule(text: str, name: str = "") -> Rule:
    """``"lhs ::= A b C [PREC]"`` as a Rule."""
    lhs, _, rest = text.partition("::=")
    words = rest.split()
    prec = None
    if words and words[-1].startswith("["):
        prec = words.pop()[1:-1]
    return Rule(lhs.strip(), tuple(words), prec, name)


@dataclass
class Tables:
    actions: list[dict[str, Action]]  # explicit actions on terminals, per state
    defaults: list[int | None]  # the default reduction of each state (a rule index), if any
    gotos: list[dict[str, int]]
    rules: list[Rule]
    fallback: dict[str, str] = field(default_factory=dict)
    # Per rule: its left-hand side, the length of its right-hand side, whether it is a start rule.
    shapes: list[tuple[str, int, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        start = self.rules[0].lhs
        self.shapes = [(r.lhs, len(r.rhs), r.lhs == start) for r in self.rules]


class Grammar:
    """Terminals, precedence declarations (lowest first, as Lemon reads %left/%right/%nonassoc), rules
    (the first rule's left-hand side is the start symbol) and fallbacks (token -> token)."""

    def __init__(self, terminals: Iterable[str], precedence: Sequence[tuple[str, Sequence[str]]],
                 rules: Sequence[Rule], fallback: dict[str, str] | None = None) -> None:
        self.terminals = [EOF, *terminals]
        self.rules = list(rules)
        self.start = self.rules[0].lhs
        self.nonterminals = list(dict.fromkeys(r.lhs for r in self.rules))
        self.fallback = dict(fallback or {})
        self.prec: dict[str, tuple[int, str]] = {}
        for level, (assoc, names) in enumerate(precedence, start=1):
            for name in names:
                self.prec[name] = (level, assoc)
        known = set(self.terminals) | set(self.nonterminals)
        for r in self.rules:
            for sym in r.rhs:
                if sym not in known:
                    raise ValueError(f"unknown symbol {sym} in {r}")

    def rule_prec(self, r: Rule) -> tuple[int, str] | None:
        if r.prec is not None:
            return self.prec.get(r.prec)
        for sym in r.rhs:  # Lemon: the leftmost symbol that has a precedence
            if sym in self.prec:
                return self.prec[sym]
        return None

    # -- LR(0) states and LALR(1) lookaheads --------------------------------------------------------------
    def build(self) -> Tables:
        rules = self.rules
        nts = set(self.nonterminals)
        by_lhs: dict[str, list[int]] = {}
        for i, r in enumerate(rules):
            by_lhs.setdefault(r.lhs, []).append(i)
        nullable: set[str] = set()
        changed = True
        while changed:
            changed = False
            for r in rules:
                if r.lhs not in nullable and all(s in nullable for s in r.rhs):
                    nullable.add(r.lhs)
                    changed = True
        first: dict[str, set[str]] = {n: set() for n in nts}
        changed = True
        while changed:
            changed = False
            for r in rules:
                f = first[r.lhs]
                before = len(f)
                for s in r.rhs:
                    if s in nts:
                        f |= first[s]
                        if s not in nullable:
                            break
                    else:
                        f.add(s)
                        break
                changed |= len(f) != before

        def first_of(seq: Sequence[str], la: str) -> set[str]:
            out: set[str] = set()
            for s in seq:
                if s in nts:
                    out |= first[s]
                    if s not in nullable:
                        return out
                else:
                    out.add(s)
                    return out
            out.add(la)
            return out

        def closure0(kernel: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
            items = list(kernel)
            seen = set(items)
            k = 0
            while k < len(items):
                ri, dot = items[k]
                k += 1
                rhs = rules[ri].rhs
                if dot < len(rhs) and rhs[dot] in nts:
                    for rj in by_lhs[rhs[dot]]:
                        if (rj, 0) not in seen:
                            seen.add((rj, 0))
                            items.append((rj, 0))
            return items

        def closure1(kernel: Iterable[tuple[int, int, str]]) -> set[tuple[int, int, str]]:
            items = list(kernel)
            seen = set(items)
            k = 0
            while k < len(items):
                ri, dot, la = items[k]
                k += 1
                rhs = rules[ri].rhs
                if dot < len(rhs) and rhs[dot] in nts:
                    for b in first_of(rhs[dot + 1:], la):
                        for rj in by_lhs[rhs[dot]]:
                            it = (rj, 0, b)
                            if it not in seen:
                                seen.add(it)
                                items.append(it)
            return seen

        dummy = "#"
        # The LR(1) closure of a nonterminal's rules under the lookahead "#" (standing for whatever
        # follows it), once per nonterminal: closures of items reuse it.
        expansions: dict[str, list[tuple[int, set[str], bool]]] = {}
        for n in nts:
            spont: dict[int, set[str]] = {}
            carried: set[int] = set()
            for rj, _, b in closure1((rj, 0, dummy) for rj in by_lhs[n]):
                spont.setdefault(rj, set())
                if b == dummy:
                    carried.add(rj)
                else:
                    spont[rj].add(b)
            expansions[n] = [(rj, las, rj in carried) for rj, las in spont.items()]

        def closure_la(kernel: dict[tuple[int, int], set[str]]) -> dict[tuple[int, int], set[str]]:
            """The LR(1) closure of items with lookahead sets."""
            out = {item: set(las) for item, las in kernel.items()}
            for (ri, dot), las in kernel.items():
                rhs = rules[ri].rhs
                if dot < len(rhs) and rhs[dot] in nts:
                    beta = first_of(rhs[dot + 1:], dummy)
                    outer = (beta - {dummy}) | (las if dummy in beta else set())
                    for rj, spont_las, carries in expansions[rhs[dot]]:
                        target = out.setdefault((rj, 0), set())
                        target |= spont_las
                        if carries:
                            target |= outer
            return out

        start_kernel = frozenset((i, 0) for i in by_lhs[self.start])
        states: list[frozenset[tuple[int, int]]] = [start_kernel]
        index = {start_kernel: 0}
        trans: list[dict[str, int]] = []
        k = 0
        while k < len(states):
            moves: dict[str, set[tuple[int, int]]] = {}
            for ri, dot in closure0(states[k]):
                rhs = rules[ri].rhs
                if dot < len(rhs):
                    moves.setdefault(rhs[dot], set()).add((ri, dot + 1))
            out: dict[str, int] = {}
            for sym, moved in moves.items():
                fk = frozenset(moved)
                if fk not in index:
                    index[fk] = len(states)
                    states.append(fk)
                out[sym] = index[fk]
            trans.append(out)
            k += 1

        la: dict[tuple[int, int, int], set[str]] = {}
        prop: dict[tuple[int, int, int], list[tuple[int, int, int]]] = {}
        for si, kern in enumerate(states):
            for ri, dot in kern:
                la.setdefault((si, ri, dot), set())
        for ri, dot in start_kernel:
            la[(0, ri, dot)].add(EOF)
        for si, kern in enumerate(states):
            for ri, dot in kern:
                for (rj, dj), las in closure_la({(ri, dot): {dummy}}).items():
                    rhs = rules[rj].rhs
                    if dj >= len(rhs):
                        continue
                    nxt = (trans[si][rhs[dj]], rj, dj + 1)
                    for b in las:
                        if b == dummy:
                            prop.setdefault((si, ri, dot), []).append(nxt)
                        else:
                            la[nxt].add(b)
        changed = True
        while changed:
            changed = False
            for src, targets in prop.items():
                lookaheads = la[src]
                for tgt in targets:
                    before = len(la[tgt])
                    la[tgt] |= lookaheads
                    changed |= len(la[tgt]) != before

        terminals = set(self.terminals)
        actions: list[dict[str, Action]] = []
        defaults: list[int | None] = []
        gotos: list[dict[str, int]] = []
        for si, kern in enumerate(states):
            cands: list[tuple[str, str, int]] = []  # (symbol, "s"|"r"|"a", target)
            for sym, target in trans[si].items():
                if sym in terminals:
                    cands.append((sym, "s", target))
            reduces: set[tuple[str, int]] = set()
            for (rj, dj), las in closure_la({(ri, dot): la[(si, ri, dot)] for ri, dot in kern}).items():
                if dj == len(rules[rj].rhs):
                    reduces.update((b, rj) for b in las)
            cands.extend((b, "r", rj) for b, rj in reduces)
            acts, default = self._resolve(cands)
            actions.append(acts)
            defaults.append(default)
            gotos.append({sym: t for sym, t in trans[si].items() if sym in nts})
        return Tables(actions, defaults, gotos, rules, self.fallback)

    def _resolve(self, cands: list[tuple[str, str, int]]) -> tuple[dict[str, Action], int | None]:
        """One state's actions after Lemon's conflict resolution, and its default reduction."""
        order = {s: i for i, s in enumerate(self.terminals)}
        kind_rank = {"s": 0, "r": 2}
        cands.sort(key=lambda c: (order[c[0]], kind_rank[c[1]], c[2]))
        live = [_Cand(sym, kind, target) for sym, kind, target in cands]
        n = len(live)
        for i in range(n):
            for j in range(i + 1, n):
                if live[i].sym != live[j].sym:
                    break
                self._conflict(live[i], live[j])
        acts: dict[str, Action] = {}
        counts: dict[int, int] = {}
        for c in live:
            if c.kind in ("s", "r") and c.sym not in acts:
                acts[c.sym] = (c.kind, c.target)
                if c.kind == "r":
                    counts[c.target] = counts.get(c.target, 0) + 1
        default = None
        best = 0
        for c in live:  # the first rule among the most frequent, in action order
            if c.kind == "r" and self.rules[c.target].lhs != self.start and counts.get(c.target, 0) > best \
                    and acts.get(c.sym) == ("r", c.target):
                best = counts[c.target]
                default = c.target
        if default is not None:
            acts = {sym: a for sym, a in acts.items() if a != ("r", default)}
        return acts, default

    def _conflict(self, x: _Cand, y: _Cand) -> None:
        """Lemon's resolve_conflict(): mark the losing action of two on the same lookahead."""
        if x.kind == "s" and y.kind == "r":
            sp = self.prec.get(x.sym)
            rp = self.rule_prec(self.rules[y.target])
            if sp is None or rp is None:
                y.kind = "conflict"  # shift wins
            elif sp[0] > rp[0]:
                y.kind = "resolved"
            elif sp[0] < rp[0]:
                x.kind = "resolved"
            elif sp[1] == "right":
                y.kind = "resolved"
            elif sp[1] == "left":
                x.kind = "resolved"
            else:
                x.kind = "error"
        elif x.kind == "r" and y.kind == "r":
            px = self.rule_prec(self.rules[x.target])
            py = self.rule_prec(self.rules[y.target])
            if px is None or py is None or px[0] == py[0]:
                y.kind = "conflict"  # the earlier rule wins
            elif px[0] > py[0]:
                y.kind = "resolved"
            else:
                x.kind = "resolved"


@dataclass(slots=True)
class _Cand:
    """A candidate action of a state: shift ("s") to a state or reduce ("r") by a rule; resolution
    marks the loser ("resolved", "conflict", "error")."""

    sym: str
    kind: str
    target: int


class ParseError(Exception):
    """The parser found no action for a token (``token`` is the offending one)."""

    def __init__(self, token: Any) -> None:
        super().__init__(token)
        self.token = token


def run(tables: Tables, tokens: Iterable[tuple[str, Any]], handlers: Sequence[Callable[..., Any] | None],
        max_stack: int = 0, overflow_resets: bool = False, handler: Any = None) -> Any:
    """Drive the tables over (kind, value) tokens, the last of kind EOF, calling ``handlers[rule]`` (with
    ``handler`` first where it is given: unbound methods) with the right-hand side's values on each
    reduction; the start rule's value on acceptance. Raises ParseError at the first token with no
    action. The stack holds at most ``max_stack`` entries (the initial state's included, as Lemon's
    does; 0: no limit); past that, StackOverflow, or with ``overflow_resets`` what a Lemon parser
    without a %stack_overflow handler does: it empties its stack, drops the token and goes on."""
    actions, defaults, gotos, fallback = tables.actions, tables.defaults, tables.gotos, tables.fallback
    shapes = tables.shapes
    limit = max_stack if max_stack > 0 else 1 << 62
    states = [0]
    values: list[Any] = [None]
    for kind, value in tokens:
        while True:
            if len(states) > limit:  # an overflow: see the docstring
                if not overflow_resets:
                    raise StackOverflow(value)
                del states[1:]
                del values[1:]
                break
            st = states[-1]
            acts = actions[st]
            act = acts.get(kind)
            if act is None:
                k = kind
                while act is None and k in fallback:
                    k = fallback[k]
                    act = acts.get(k)
                if act is None:
                    d = defaults[st]
                    if d is None:
                        raise ParseError(value)
                    act = ("r", d)
            if act[0] == "s":
                states.append(act[1])
                values.append(value)
                if len(states) > limit:
                    continue  # the overflow is handled at the top of the loop
                break
            ri = act[1]
            lhs, n, is_start = shapes[ri]
            action = handlers[ri]
            if n:
                args = values[-n:]
                del states[-n:]
                del values[-n:]
                if action is None:
                    result = args[0]
                elif handler is None:
                    result = action(*args)
                else:
                    result = action(handler, *args)
            else:
                result = None if action is None else (action() if handler is None else action(handler))
            if is_start and len(states) == 1:
                if kind == EOF:
                    return result
                raise ParseError(value)
            if not n and len(states) >= limit:
                states.append(0)  # an overflow: handled at the top of the loop
                values.append(None)
                continue
            states.append(gotos[states[-1]][lhs])
            values.append(result)
    return None  # the end of input was dropped by an overflow: the parse ends without an error


class StackOverflow(Exception):
    def __init__(self, token: Any) -> None:
        super().__init__(token)
        self.token = token
