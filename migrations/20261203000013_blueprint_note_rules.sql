-- How the notes generator finds an exam's material in study notes, kept with
-- the blueprint so that exam codes live only in data. Blueprints stored before
-- this migration get empty rules until the bank's blueprints are imported again.
alter table blueprints
    add column note_tags           text[]  not null default '{}',
    add column note_untagged       boolean not null default false,
    add column note_all_of_tagged  boolean not null default false,
    add column note_path_words     text[]  not null default '{}',
    add column note_default_domain text;

alter table blueprint_domains
    add column keywords text[] not null default '{}';
