-- /healthz proves the database takes writes by updating this one row, so a
-- read-only or write-refusing database is reported, not hidden behind a
-- working `select 1`.
create table health_probe (
    id int primary key check (id = 1),
    checked_at timestamptz not null
);
