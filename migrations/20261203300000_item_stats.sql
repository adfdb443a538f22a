-- Item statistics (issue #17). The figures are computed from small additive
-- count tables, never from attempt_items directly, so the instructor's pages
-- read a few thousand rows however many answers exist. A graded attempt is
-- added to the counts once, by one statement right after grading (and by the
-- background sweep for any attempt that statement missed), and is marked so
-- that it is never counted twice.

alter table attempts add column stats_counted boolean not null default false;
-- Attempts graded before this migration are counted by the sweep.
create index attempts_uncounted_idx on attempts (submitted_at)
    where submitted_at is not null and not stats_counted;

-- Per question version and exam, for graded attempts of one length (items)
-- and raw score (total): how many showed the question and how many got it
-- right. Keeping the attempt's score as a key makes every classical figure a
-- sum: point-biserial moments, and upper/lower groups by score cut-offs.
create table item_score_counts (
    question_id text    not null,
    version     int     not null,
    exam        text    not null,
    full_exam   boolean not null,
    items       int     not null,
    total       int     not null,
    shown       bigint  not null,
    correct     bigint  not null,
    primary key (question_id, version, exam, full_exam, items, total)
);

-- The same, per option chosen ('' = left unanswered); a multiple-response
-- answer counts once for each option in it.
create table item_option_counts (
    question_id text    not null,
    version     int     not null,
    exam        text    not null,
    full_exam   boolean not null,
    items       int     not null,
    total       int     not null,
    option      text    not null,
    chosen      bigint  not null,
    primary key (question_id, version, exam, full_exam, items, total, option)
);

-- Seconds on the item, in 5-second buckets (the last bucket holds everything
-- from 10 minutes on), so a median is read from a histogram. The time is the
-- gap between this answer's save and the attempt's previous save (or its
-- start): attempt_items keeps only the last save, so a revisit shortens it.
create table item_time_counts (
    question_id text     not null,
    version     int      not null,
    bucket      smallint not null,
    n           bigint   not null,
    primary key (question_id, version, bucket)
);

-- Graded attempts per exam, length and raw score: the score distribution for
-- the 27 % cut-offs, KR-20's total-score variance and the SEM.
create table exam_score_counts (
    exam      text    not null,
    full_exam boolean not null,
    items     int     not null,
    total     int     not null,
    n         bigint  not null,
    primary key (exam, full_exam, items, total)
);
