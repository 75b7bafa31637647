"""The customer pool: one row per customer ever present, with identity, placement and the draws
that drive the months (``demo_cust``).

Generated in SQL over ``range()``: each value is a hash of the seed and the customer's number,
so the same seed always gives the same customers.
"""

from __future__ import annotations

from .catalogue import (
    BRANDS,
    CHANNELS,
    COMPOUND_SURNAMES,
    COOP_WORDS,
    COUNTY,
    GIVEN_CHARS,
    ID_WEIGHTS,
    INDUSTRIES_BY_KIND,
    INDUSTRY_WORDS,
    KINDS_BY_SEGMENT,
    KM_PER_DEG_LAT,
    KM_PER_DEG_LON,
    ORG_FIXED_SUM,
    ORG_WEIGHTS,
    PACE_MONTHS,
    PERSON_REGIONS,
    SHOP_WORDS,
    SURNAMES,
    USCC_CHARS,
    USCC_PREFIXES,
    USCC_WEIGHTS,
    month_weight,
    sql_list,
)
from .context import Builder


def join_shares(builder: Builder) -> list[float]:
    """The cumulative share of the pool joined by each month (the last is 1).

    New customers arrive more in the 开门红 months; the share present at the start shrinks
    with a longer window so that the line grows about 1.5 % a month ("扩客群").
    """
    last = builder.last
    start_share = max(0.55, 1 - 0.015 * last)
    weights = [month_weight(m) for m in builder.month_names[1:]]
    cum, acc = [], start_share
    cum.append(start_share)
    for w in weights:
        acc += (1 - start_share) * w / sum(weights)
        cum.append(acc)
    return cum


def join_case_sql(builder: Builder, cum: list[float]) -> str:
    """SQL for a customer's joining month index from its draw ``u_join``."""
    n, last = builder.n_months, builder.last
    if n > 1:
        join_case = "case " + " ".join(f"when u_join < {c:.9f} then {k}" for k, c in enumerate(cum[:-1]))
        join_case += f" else {last} end"
    else:
        join_case = "0"
    return join_case


def leave_rate(builder: Builder) -> float:
    """The chance that a customer leaves within the window (about 0.45 % a month)."""
    return min(0.25, 0.0045 * builder.last)


def pool_size(builder: Builder, cum: list[float]) -> int:
    """Customers ever present, sized so that the latest month holds about ``customers``
    (those joined before the last month may have left)."""
    n = builder.n_months
    return round(builder.customers / (1 - leave_rate(builder) * (cum[-2] if n > 1 else 0)))


def name_sql(builder: Builder) -> dict[str, str]:
    """SQL for the pieces of names: industry and shop words, kind and industry, surname, given name."""
    pick, uniform = builder.row_pick, builder.row_uniform
    ind_word = (
        "case industry "
        + " ".join(f"when '{k}' then {pick(list(v), 'hp', 'iw')}" for k, v in INDUSTRY_WORDS.items())
        + " end"
    )
    shop_word = (
        "case industry "
        + " ".join(f"when '{k}' then {pick(list(v), 'hp', 'sw')}" for k, v in SHOP_WORDS.items())
        + " end"
    )
    kind_case = (
        "case seg0 "
        + " ".join(f"when '{k}' then {pick(v, 'hp', 'kind')}" for k, v in KINDS_BY_SEGMENT.items())
        + " end"
    )
    industry_case = (
        "case kind "
        + " ".join(f"when '{k}' then {pick(v, 'hp', 'ind')}" for k, v in INDUSTRIES_BY_KIND.items())
        + " end"
    )
    surname = (
        f"case when {uniform('hp', 'cs')} < 0.012 then {pick(list(COMPOUND_SURNAMES[:2]), 'hp', 'cs2')} "
        f"else {pick(list(SURNAMES), 'hp', 'sn')} end"
    )
    given = (
        f"{pick(list(GIVEN_CHARS), 'hp', 'g1')} || case when {uniform('hp', 'gl')} < 0.72 "
        f"then {pick(list(GIVEN_CHARS), 'hp', 'g2')} else '' end"
    )
    return {
        "ind_word": ind_word,
        "shop_word": shop_word,
        "kind_case": kind_case,
        "industry_case": industry_case,
        "surname": surname,
        "given": given,
    }


def identity_sums() -> dict[str, str]:
    """Weighted digit sums of the fixed parts of identity numbers, for the check characters."""
    person_sums = (
        "[" + ", ".join(str(sum(int(d) * w for d, w in zip(code, ID_WEIGHTS))) for code in PERSON_REGIONS) + "]"
    )
    uscc_sums = (
        "["
        + ", ".join(
            str(sum(USCC_CHARS.index(c) * w for c, w in zip(prefix + "MA4", USCC_WEIGHTS))) for prefix in USCC_PREFIXES
        )
        + "]"
    )
    org_values = "[" + ", ".join(str(int(c) if c.isdigit() else ord(c) - 55) for c in USCC_CHARS) + "]"
    org_random_sum = " + ".join(f"{org_values}[org{q} + 1] * {ORG_WEIGHTS[3 + q]}" for q in range(5))
    return {"person_sums": person_sums, "uscc_sums": uscc_sums, "org_random_sum": org_random_sum}


def placement_ctes(builder: Builder, join_case: str) -> str:
    """CTEs ``r``–``c``: book, sub-branch, joining and leaving months, segment and its switch, kind, cell."""
    n, last = builder.n_months, builder.last
    leave_p = leave_rate(builder)
    pace = min(1.0, last / (PACE_MONTHS - 1))
    to_online, to_non_credit = round(0.04 * pace, 6), round(0.015 * pace, 6)
    kind_case = name_sql(builder)["kind_case"]
    uniform, hashed = builder.row_uniform, builder.row_hash
    return f"""
    with r as (
        select
            i, hp,
            {hashed("hp", "book")} % 10000 as bslot,
            {uniform("hp", "join")} as u_join,
            {uniform("hp", "seg")} as u_seg,
            {uniform("hp", "sw")} as u_sw,
            {hashed("hp", "og")} % 1000 as og_slot,
            {hashed("hp", "bg")} % 1000 as bg_slot
        from demo_ids
    ),
    b as (
        select r.*, bk.book, bk.branch_no, bk.p_off, bk.p_on, br.branch, br.town, br.b_lon, br.b_lat,
            ({join_case}) as join_idx,
            case when u_seg < bk.p_off then '线下授信'
                 when u_seg < bk.p_off + bk.p_on then '线上授信' else '非授信' end as seg0
        from r
        join demo_book_slot s on s.slot = r.bslot
        join demo_books bk on bk.book = s.book
        join demo_branches br on br.branch_no = bk.branch_no
    ),
    c as (
        select b.*,
            case when {uniform("hp", "leave")} < {leave_p} and join_idx < {last}
                 then join_idx + 1 + ({hashed("hp", "lv")} % ({last} - join_idx))::int else {n} end as leave_idx,
            case when {n} < 2 then seg0
                 when seg0 = '非授信' and u_sw < {to_online} then '线上授信'
                 when seg0 <> '非授信' and u_sw < {to_non_credit} then '非授信' else seg0 end as seg1,
            case when {n} < 2 or not (u_sw < {to_online} and seg0 = '非授信'
                                      or u_sw < {to_non_credit} and seg0 <> '非授信')
                 then {n}
                 else greatest(join_idx + 1, 1 + ({hashed("hp", "swi")} % {max(1, last)})::int) end as switch_idx,
            {kind_case} as kind,
            case when {uniform("hp", "nogrid")} < 0.04 then null
                 when {uniform("hp", "own")} < 0.55 and os.grid_no is not null then os.grid_no
                 else gs.grid_no end as grid_no
        from b
        left join demo_owned_slot os on os.book = b.book and os.slot = b.og_slot
        join demo_grid_slot gs on gs.branch_no = b.branch_no and gs.slot = b.bg_slot
    )
    """


def naming_ctes(builder: Builder) -> str:
    """CTEs ``d``–``f``: industry, cell, person and customer names, position draws, identity draws."""
    names = name_sql(builder)
    ind_word, shop_word, industry_case = names["ind_word"], names["shop_word"], names["industry_case"]
    surname, given = names["surname"], names["given"]
    uniform, hashed, pick = builder.row_uniform, builder.row_hash, builder.row_pick
    return f"""
    d as (
        select c.*,
            case when kind = '个人' then null else {industry_case} end as industry,
            g.grid_id, g.grid_type, g.channel as g_channel, g.lon as g_lon, g.lat as g_lat, g.r_km,
            {surname} as surname,
            {given} as given,
            2 * pi() * {uniform("hp", "ang")} as ang,
            {uniform("hp", "pos")} as u_pos,
            sqrt({uniform("hp", "rad")}) as rad_root
        from c left join demo_grid_dim g on g.grid_no = c.grid_no
    ),
    e as (
        select d.*,
            surname || given as person,
            case when g_lon is not null and u_pos >= 0.04 then r_km * 0.75 * rad_root
                 when g_lon is not null then r_km * (1.2 + 0.8 * rad_root)
                 else 0.4 + 5.5 * rad_root end as dist_km,
            coalesce(g_lon, b_lon) as c_lon,
            coalesce(g_lat, b_lat) as c_lat,
            kind = '小微企业' and industry = '农林牧渔' and {uniform("hp", "coop")} < 0.3 as is_coop,
            {uniform("hp", "nm")} as u_nm
        from d
    ),
    f as (
        select e.*,
            case
                when kind = '小微企业' and is_coop then
                    '{COUNTY}' || {pick(list(BRANDS), "hp", "br")} || {pick(list(COOP_WORDS), "hp", "cw")}
                    || '专业合作社'
                when kind = '小微企业' then
                    case when u_nm < 0.8 then '{COUNTY}' when u_nm < 0.9 then '荆州市' else '湖北' end
                    || {pick(list(BRANDS), "hp", "br")} || {ind_word}
                    || case when {uniform("hp", "form")} < 0.86 then '有限公司'
                            when {uniform("hp", "form")} < 0.97 then '有限责任公司' else '股份有限公司' end
                when kind = '个体工商户' and u_nm < 0.4 then
                    '{COUNTY}' || town || {pick(list(BRANDS), "hp", "br")} || {shop_word}
                when kind = '个体工商户' and u_nm < 0.75 then
                    '{COUNTY}' || town || surname || '记' || {shop_word}
                when kind = '个体工商户' then person || '个体工商户'
                else person
            end as customer_name,
            -- identity numbers with valid check characters, by integer arithmetic (fast)
            ({hashed("hp", "reg")} % {len(PERSON_REGIONS)})::int as region_no,
            date '1961-01-01' + ({hashed("hp", "birth")} % 15700)::int as birth,
            ({hashed("hp", "seq")} % 1000)::int as id_seq,
            {", ".join(f"({hashed('hp', f'org{q}')} % 31)::int as org{q}" for q in range(5))},
            case when kind = '个体工商户' then 1 when is_coop then 2 else 0 end as uscc_kind
        from e
    )
    """


def identity_ctes() -> str:
    """CTEs ``g`` and ``k``: identity numbers (身份证号, 统一社会信用代码) with valid check characters."""
    sums = identity_sums()
    person_sums, uscc_sums, org_random_sum = sums["person_sums"], sums["uscc_sums"], sums["org_random_sum"]
    return f"""
    g as (
        select f.*,
            {person_sums}[region_no + 1]
                + (year(birth) // 1000) * 2 + (year(birth) // 100 % 10) * 1
                + (year(birth) // 10 % 10) * 6 + (year(birth) % 10) * 3
                + (month(birth) // 10) * 7 + (month(birth) % 10) * 9
                + (day(birth) // 10) * 10 + (day(birth) % 10) * 5
                + (id_seq // 100) * 8 + (id_seq // 10 % 10) * 4 + (id_seq % 10) * 2 as id_sum,
            11 - ({ORG_FIXED_SUM} + {org_random_sum}) % 11 as org_check
        from f
    ),
    k as (
        select g.*,
            case when kind in ('个人', '农户') then
                {sql_list(PERSON_REGIONS)}[region_no + 1] || strftime(birth, '%Y%m%d')
                || lpad(id_seq::varchar, 3, '0') || substring('10X98765432', 1 + id_sum % 11, 1)
            else
                {sql_list(USCC_PREFIXES)}[uscc_kind + 1] || 'MA4'
                || {" || ".join(f"substring('{USCC_CHARS}', 1 + org{q}, 1)" for q in range(5))}
                || case org_check when 10 then 'X' when 11 then '0' else org_check::varchar end
                || substring('{USCC_CHARS}', 1 + (31 - ({uscc_sums}[uscc_kind + 1]
                    + {" + ".join(f"org{q} * {USCC_WEIGHTS[11 + q]}" for q in range(5))}
                    + case org_check when 10 then {USCC_CHARS.index("X")} when 11 then 0 else org_check end
                      * {USCC_WEIGHTS[16]}) % 31) % 31, 1)
            end as id_number
        from g
    )
    """


def contact_columns(builder: Builder) -> str:
    """Select list: keys, book and segments, cell, channel, position, name, phone, identity, opening date."""
    uniform, hashed, pick = builder.row_uniform, builder.row_hash, builder.row_pick
    tel_second = pick(list("3456789") + ["3", "5", "8", "8", "9"], "hp", "tel2")
    first_day = f"date '{builder.month_names[0]}-01'"
    return f"""
        i, hp,
        '8' || lpad(((i * 7368787 + {builder.seed % 1000} * 1000003 + 12345) % 1000000000)::varchar, 9, '0')
            || (i % 10)::varchar as customer_id,
        book, branch_no, branch, seg0, seg1, switch_idx, join_idx, leave_idx, kind, industry,
        grid_id, grid_type,
        case when grid_type = '政府渠道' then g_channel
             when grid_type = '商会协会' then '商会'
             when grid_type = '园区' and {uniform("hp", "ch")} < 0.5 then '园区管委会'
             when seg0 = '线上授信' and {uniform("hp", "ch")} < 0.3 then '线上渠道'
             else {pick(CHANNELS, "hp", "chl")} end as channel,
        case when {uniform("hp", "nocoord")} < 0.01 then null
             else round(c_lon + dist_km * cos(ang) / {KM_PER_DEG_LON}, 6) end as lon,
        case when {uniform("hp", "nocoord")} < 0.01 then null
             else round(c_lat + dist_km * sin(ang) / {KM_PER_DEG_LAT}, 6) end as lat,
        customer_name,
        case when {uniform("hp", "notel")} < 0.03 then null
             else '1' || {tel_second} || lpad(({hashed("hp", "tel")} % 1000000000)::varchar, 9, '0') end as phone,
        id_number,
        case when join_idx = 0 then
                 date '2008-01-01' + floor(pow({uniform("hp", "open")}, 0.6)
                     * ({first_day} - date '2008-01-01'))::int
             else ({first_day} + to_months(join_idx::int))::date
                 + ({hashed("hp", "openday")} % 28)::int end as open_date
    """


def money_columns(builder: Builder) -> str:
    """Select list: deposit level, growth and kind weights, jump eligibility, loans and their terms."""
    n = builder.n_months
    uniform, hashed, normal = builder.row_uniform, builder.row_hash, builder.row_normal
    return f"""
        -- deposits: a lognormal level by kind and segment, a small big tail, a few empty accounts
        case when {uniform("hp", "zero")} < 0.02 then 0.0 else least(4e8, greatest(2000.0,
            exp(ln(250000) + 1.35 * {normal("hp", "dep")})
            * case kind when '个人' then 0.35 when '农户' then 0.4 when '个体工商户' then 0.7 else 1.4 end
            * case seg0 when '线下授信' then 1.6 when '线上授信' then 0.8 else 1.0 end
            * case when {uniform("hp", "big")} < 0.008 then 10 + 30 * {uniform("hp", "bigx")} else 1 end)) end as dep0,
        least(0.05, greatest(-0.04, 0.005 + 0.012 * {normal("hp", "grow")})) as growth,
        case when kind in ('个人', '农户') then 0.05 else
            case seg0 when '线下授信' then 0.45 when '线上授信' then 0.40 else 0.55 end end
            * (0.3 + 1.4 * {uniform("hp", "ws")}) as w_s,
        case when {uniform("hp", "wp0")} < 0.3 then 0 when kind in ('个人', '农户') then 0.05 else
            case seg0 when '线下授信' then 0.12 when '线上授信' then 0.10 else 0.35 end end
            * (0.3 + 1.4 * {uniform("hp", "wp")}) as w_p,
        case when seg0 <> '线下授信' and {uniform("hp", "wm0")} < 0.75 then 0
             when kind in ('个人', '农户') then 0 else
            case seg0 when '线下授信' then 0.33 when '线上授信' then 0.05 else 0.03 end end
            * (0.3 + 1.4 * {uniform("hp", "wm")}) as w_m,
        case kind when '个人' then 0.9 when '农户' then 0.8 else
            case seg0 when '线上授信' then 0.45 else 0.10 end
            * case kind when '个体工商户' then 2 else 1 end end
            * (0.3 + 1.4 * {uniform("hp", "wv")}) as w_v,
        kind <> '个人' as jump_ok,
        -- loans
        round(least(3e7, greatest(1e5, exp(ln(1.8e6) + 0.75 * {normal("hp", "loff")})
            * case kind when '小微企业' then 2.0 when '个体工商户' then 0.6 else 0.4 end)), -3) as off0,
        least(1e6, greatest(3e4, ceil(exp(ln(2.5e5) + 0.5 * {normal("hp", "lon")})
            * case kind when '农户' then 0.5 when '个人' then 0.3 else 1 end / 10000) * 10000)) as on_limit,
        1.05 + 0.45 * {uniform("hp", "lim")} as limit_factor,
        {uniform("hp", "both")} < 0.25 as both_loans,
        case when {uniform("hp", "term")} < 0.6 then 365
             when {uniform("hp", "term")} < 0.85 then 730 else 1095 end as term_off,
        date '2015-01-01' + ({hashed("hp", "anchor")} % 3650)::int as anchor,
        0.3 * {uniform("hp", "amort")} as amort,
        case when {uniform("hp", "od")} < 0.09 then ({hashed("hp", "odi")} % {n})::int else {n + 1} end as overdue_idx,
        0.05 + 0.4 * {uniform("hp", "odr")} as overdue_rate,
        round(0.2 + 0.8 * {uniform("hp", "ls")}, 4) as loan_share,
        {uniform("hp", "ssn")} < 0.25 as settle_low,
        {uniform("hp", "ss")} as u_settle
    """


def flag_columns(builder: Builder) -> str:
    """Select list: product flags, a fixed draw per customer against a slowly rising take-up rate."""
    uniform = builder.row_uniform
    return f"""
        -- product flags: a fixed draw per customer against a slowly rising take-up rate
        {uniform("hp", "f1")} / case kind when '小微企业' then 0.30 when '个体工商户' then 0.08
                                else 0.0001 end as f_payroll,
        {uniform("hp", "f2")} / case when kind = '小微企业' and seg0 <> '非授信' then 0.15
                                when kind = '小微企业' then 0.04 else 0.0001 end as f_discount,
        {uniform("hp", "f3")} / case when kind = '小微企业' and industry = '制造业' then 0.12
                                when kind = '小微企业' then 0.03 else 0.0001 end as f_intl,
        {uniform("hp", "f4")} / case kind when '小微企业' then 0.07 else 0.0001 end as f_cash,
        {uniform("hp", "f5")} / case kind when '个人' then 0.45 when '农户' then 0.2 else 0.35 end as f_card,
        {uniform("hp", "f6")} / case kind when '小微企业' then 0.62 when '个体工商户' then 0.35
                                else 0.0001 end as f_basic
    """


def build_customer_pool(builder: Builder) -> None:
    """One row per customer ever present: identity, placement and the draws that drive the months."""
    cum = join_shares(builder)
    builder.pool = pool = pool_size(builder, cum)
    sql = f"""
    {placement_ctes(builder, join_case_sql(builder, cum)).strip()},
    {naming_ctes(builder).strip()},
    {identity_ctes().strip()}
    select
        {contact_columns(builder).strip()},
        {money_columns(builder).strip()},
        {flag_columns(builder).strip()}
    from k
    """
    # range() produces its rows on one thread; a table scan is split over all of them.
    builder.temp("demo_ids", f"select i, hash({builder.seed}, i) as hp from range({pool}) t(i)")
    builder.temp("demo_cust", sql)
