-- A counter that moves whenever the questions or blueprints change, so app
-- instances can cache what exam assembly needs and notice, with one tiny read,
-- when the cache is stale. Statement-level triggers keep every writer honest.

create table bank_state (
    id         boolean primary key default true check (id),
    -- tells a recreated database apart from an old one with the same name
    epoch      uuid not null default gen_random_uuid(),
    generation bigint not null default 0
);
insert into bank_state (id) values (true);

create function bump_bank_generation() returns trigger language plpgsql as $$
begin
    update bank_state set generation = generation + 1;
    return null;
end
$$;

create trigger questions_generation after insert or update or delete or truncate on questions
    for each statement execute function bump_bank_generation();
create trigger question_exams_generation after insert or update or delete or truncate on question_exams
    for each statement execute function bump_bank_generation();
create trigger blueprints_generation after insert or update or delete or truncate on blueprints
    for each statement execute function bump_bank_generation();
create trigger blueprint_domains_generation after insert or update or delete or truncate on blueprint_domains
    for each statement execute function bump_bank_generation();
