-- Which user a session belongs to, so that changing a password can end that
-- user's other sessions. Our store adapter writes it beside PostgresStore's
-- own columns, which PostgresStore's upsert leaves alone.
alter table tower_sessions.session add column user_id uuid;
create index session_user_idx on tower_sessions.session (user_id) where user_id is not null;
