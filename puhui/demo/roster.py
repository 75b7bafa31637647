"""Sub-branches, books and people: who holds which customers in which month.

A *book* is a position in a sub-branch holding customers; its holder may change (one
manager moves to another sub-branch mid-window and a new hire takes over the book left
behind). Made in Python with the build's seeded generator, in a fixed order of draws.
"""

from __future__ import annotations

import pandas as pd

from .catalogue import BRANCHES, GIVEN_CHARS, PROFILES, SURNAMES, sql_list
from .context import Builder


def person_names(builder: Builder, count: int) -> list[str]:
    """Distinct realistic names; a few with compound surnames (for the masking tests)."""
    rng = builder.rng
    names: list[str] = []
    forced = {3: "欧阳", 11: "司马", 26: "上官", 40: "诸葛", 55: "司徒"}
    while len(names) < count:
        surname = forced.get(len(names)) or rng.choice(SURNAMES)
        length = 1 if rng.random() < 0.25 else 2
        name = surname + "".join(rng.choice(GIVEN_CHARS) for _ in range(length))
        if name not in names:
            names.append(name)
    return names


def build_branches(builder: Builder) -> None:
    """``demo_branches``: the sub-branches with their town, centre and first book number."""
    first_books = [sum(branch[4] for branch in BRANCHES[:k]) for k in range(len(BRANCHES))]
    branches = pd.DataFrame(
        [
            {
                "branch_no": k,
                "branch": b[0],
                "town": b[1],
                "b_lon": b[2],
                "b_lat": b[3],
                "n_books": b[4],
                "first_book": first_books[k],
            }
            for k, b in enumerate(BRANCHES)
        ]
    )
    builder.frame("demo_branches", branches)


def draw_books(builder: Builder) -> list[dict]:
    """The books with their team, profile (segment mix) and share of the line's customers."""
    rng = builder.rng
    books = []
    for branch_no, (branch, _town, _lon, _lat, n_books) in enumerate(BRANCHES):
        teams = ["普惠一组", "普惠二组"] if n_books >= 7 else ["普惠金融团队"]
        for k in range(n_books):
            books.append({"branch_no": branch_no, "branch": branch, "team": f"{branch}{teams[k % len(teams)]}"})
    profiles = [p for p in PROFILES for _ in range(p[1])]
    # Overloaded books sit in the three big sub-branches; the rest are shuffled.
    big = [i for i, b in enumerate(books) if b["branch_no"] < 3]
    overloaded_at = set(rng.sample(big, 3))
    rest = [p for p in profiles if p[0] != "overloaded"]
    rng.shuffle(rest)
    remaining = iter(rest)
    for i, book in enumerate(books):
        profile = PROFILES[0] if i in overloaded_at else next(remaining)
        book.update(book=i, profile=profile[0], p_off=profile[3], p_on=profile[4])
        if profile[2] is not None:
            book["share"] = rng.uniform(*profile[2]) / 4000
        else:
            book["share"] = None
    fixed = sum(b["share"] for b in books if b["share"] is not None)
    free = [b for b in books if b["share"] is None]
    raw = [rng.uniform(0.7, 1.3) for _ in free]
    for book, weight in zip(free, raw):
        book["share"] = (1 - fixed) * weight / sum(raw)
    return books


def build_book_slots(builder: Builder, books: list[dict]) -> None:
    """``demo_book_slot``: 10,000 weighted slots for drawing a customer's book by hash."""
    bounds, acc = [], 0.0
    for book in books:
        acc += book["share"]
        bounds.append(acc)
    book_slot = []
    j = 0
    for slot in range(10_000):
        while j < len(books) - 1 and (slot + 0.5) / 10_000 > bounds[j]:
            j += 1
        book_slot.append({"slot": slot, "book": j})
    builder.frame("demo_book_slot", pd.DataFrame(book_slot))


def draw_people(builder: Builder, books: list[dict]) -> dict:
    """People: 50 book holders, one new hire, team leads, vice-presidents, as (id, name) pairs."""
    rng = builder.rng
    teams = sorted({b["team"] for b in books}, key=lambda team: [x["team"] for x in books].index(team))
    n_people = len(books) + 1 + len(teams) + len(BRANCHES)
    names = person_names(builder, n_people)
    ids = [f"4210{n:04d}" for n in sorted(rng.sample(range(1000, 10_000), n_people))]
    rng.shuffle(ids)
    base = len(books) + 1 + len(teams)
    return {
        "holders": {b["book"]: (ids[b["book"]], names[b["book"]]) for b in books},
        "new_hire": (ids[len(books)], names[len(books)]),
        "leads": {t: (ids[len(books) + 1 + k], names[len(books) + 1 + k]) for k, t in enumerate(teams)},
        "vps": {b[0]: (ids[base + k], names[base + k]) for k, b in enumerate(BRANCHES)},
    }


def build_book_months(builder: Builder, books: list[dict], people: dict) -> None:
    """``demo_book_month``: each book's holder per month, with the one move (``builder.move``).

    The move: a holder in 城关支行 takes over a book in 开发区支行 whose holder left (in July
    when the window holds it, else mid-window); a new hire takes over the book left behind.
    """
    holders, new_hire = people["holders"], people["new_hire"]
    move_at = None
    if builder.n_months >= 2:
        july = f"{builder.month_names[-1][:4]}-07"
        move_at = builder.month_names.index(july) if july in builder.month_names[1:] else builder.n_months // 2
    mid = [b for b in books if b["profile"] in ("balanced", "offline", "online")]
    book_a = next(b["book"] for b in mid if b["branch"] == "城关支行")
    book_b = next(b["book"] for b in mid if b["branch"] == "开发区支行")
    builder.move = {"book_from": book_a, "book_to": book_b, "month_index": move_at, "manager_id": holders[book_a][0]}
    book_month = []
    for idx in range(builder.n_months):
        for book in books:
            holder = holders[book["book"]]
            if move_at is not None and idx >= move_at:
                if book["book"] == book_a:
                    holder = new_hire
                elif book["book"] == book_b:
                    holder = holders[book_a]
            book_month.append(
                {
                    "idx": idx,
                    "book": book["book"],
                    "manager_id": holder[0],
                    "manager_name": holder[1],
                    "branch": book["branch"],
                    "team": book["team"],
                }
            )
    builder.frame("demo_book_month", pd.DataFrame(book_month))


def build_books_and_staff(builder: Builder, books: list[dict], people: dict) -> None:
    """``demo_books`` (profile, lead and VP of each book) and ``demo_staff`` (leads and VPs)."""
    leads, vps = people["leads"], people["vps"]
    builder.frame(
        "demo_books",
        pd.DataFrame(
            [
                {
                    "book": b["book"],
                    "branch_no": b["branch_no"],
                    "team": b["team"],
                    "profile": b["profile"],
                    "p_off": b["p_off"],
                    "p_on": b["p_on"],
                    "share": b["share"],
                    "lead_id": leads[b["team"]][0],
                    "vp_id": vps[b["branch"]][0],
                }
                for b in books
            ]
        ),
    )
    staff = [
        {
            "manager_id": pid,
            "manager_name": pname,
            "branch": next(b["branch"] for b in books if b["team"] == t),
            "team": t,
            "role": "团队负责人",
        }
        for t, (pid, pname) in leads.items()
    ] + [
        {"manager_id": pid, "manager_name": pname, "branch": br, "team": None, "role": "分管行长"}
        for br, (pid, pname) in vps.items()
    ]
    builder.frame("demo_staff", pd.DataFrame(staff))


def build_roster(builder: Builder) -> list[dict]:
    """Sub-branches, books, people and the book→manager mapping per month; returns the books."""
    build_branches(builder)
    books = draw_books(builder)
    build_book_slots(builder, books)
    people = draw_people(builder, books)
    build_book_months(builder, books, people)
    build_books_and_staff(builder, books, people)
    return books


def insert_managers(builder: Builder, ingest_id: int) -> None:
    """The roster: book holders, team leads and VPs, one row per person per month."""
    months = sql_list(builder.month_names)
    exprs = {
        "month": "month",
        "manager_id": "manager_id",
        "manager_name": "manager_name",
        "branch": "branch",
        "team": "team",
        "role": "role",
        "ingest_id": str(int(ingest_id)),
    }
    sql = f"""
    with m as (select unnest({months}) as month, generate_subscripts({months}, 1) - 1 as idx),
    people as (
        select m.month, bm.manager_id, bm.manager_name, bm.branch, bm.team, '客户经理' as role
        from demo_book_month bm join m on m.idx = bm.idx
        union all
        select m.month, s.manager_id, s.manager_name, s.branch, s.team, s.role
        from demo_staff s cross join m
    )
    select {", ".join(f"{v} as {k}" for k, v in exprs.items())} from people
    """
    builder.insert("managers", exprs, sql)
