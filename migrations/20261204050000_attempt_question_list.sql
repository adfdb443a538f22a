-- When thousands of students press Start in the same second, each start wrote
-- one attempts row and one attempt_items row per question (66 rows for a
-- full exam), and those inserts were most of a start's cost. Now an attempt
-- holds its question list itself (question ids, pinned versions, domains,
-- option orders, single-answer flags: one array each, in position order), and
-- a per-item row (attempt_answers) is written only when an item is first
-- saved, flagged or locked, and for every item when the attempt is graded.
--
-- `attempt_items` becomes a view with the columns the table had, joining the
-- two, so every reader (exam pages, grading, review, statistics, reports,
-- exports) reads it as before. Writers go to attempt_answers.

alter table attempts
    add column question_ids   text[],
    add column versions       int[],
    add column domains        text[],
    add column option_orders  text[],
    add column single_choices boolean[];

update attempts a
set question_ids = s.question_ids, versions = s.versions, domains = s.domains,
    option_orders = s.option_orders, single_choices = s.single_choices
from (select attempt_id,
             array_agg(question_id order by position) as question_ids,
             array_agg(version order by position) as versions,
             array_agg(domain order by position) as domains,
             array_agg(option_order order by position) as option_orders,
             array_agg(single_choice order by position) as single_choices
      from attempt_items group by attempt_id) s
where s.attempt_id = a.id;

update attempts set question_ids = '{}', versions = '{}', domains = '{}', option_orders = '{}', single_choices = '{}'
where question_ids is null;

alter table attempts
    alter column question_ids set not null,
    alter column versions set not null,
    alter column domains set not null,
    alter column option_orders set not null,
    alter column single_choices set not null,
    add constraint attempts_question_list_aligned check (
        cardinality(versions) = cardinality(question_ids)
        and cardinality(domains) = cardinality(question_ids)
        and cardinality(option_orders) = cardinality(question_ids)
        and cardinality(single_choices) = cardinality(question_ids));

-- A full exam's list is about 3 kB: kept inline and uncompressed (the default
-- would compress anything over 2 kB), so a start or a page read pays no
-- compression work.
alter table attempts set (toast_tuple_target = 8160);

create table attempt_answers (
    attempt_id  uuid not null references attempts (id) on delete cascade,
    position    int  not null check (position > 0),
    -- chosen keys, sorted, e.g. 'ac'; null until answered
    selected    text,
    flagged     boolean not null default false,
    -- feedback-after-each-question practice locks an answer once shown
    locked      boolean not null default false,
    correct     boolean,
    answered_at timestamptz,
    primary key (attempt_id, position)
-- A later save rewrites the row (selected, answered_at), neither indexed:
-- free space in each page keeps those heap-only (HOT) updates.
) with (fillfactor = 80);

insert into attempt_answers (attempt_id, position, selected, flagged, locked, correct, answered_at)
select attempt_id, position, selected, flagged, locked, correct, answered_at
from attempt_items
where selected is not null or flagged or locked or correct is not null;

drop table attempt_items;

create view attempt_items as
select a.id as attempt_id, q.position::int as position, q.question_id, q.version, q.domain, q.option_order,
       q.single_choice, s.selected, coalesce(s.flagged, false) as flagged, coalesce(s.locked, false) as locked,
       s.correct, s.answered_at
from attempts a
cross join lateral unnest(a.question_ids, a.versions, a.domains, a.option_orders, a.single_choices)
    with ordinality as q (question_id, version, domain, option_order, single_choice, position)
left join attempt_answers s on s.attempt_id = a.id and s.position = q.position;
