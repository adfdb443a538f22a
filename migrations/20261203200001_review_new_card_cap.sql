-- A daily cap on new review cards. One exam with many wrong answers used to
-- put every one of them in today's queue; now each student says how many new
-- cards a day they take (default 30), and the rest are spread over the
-- following days. `introduced_on` is the day a card counts against.
alter table review_settings
    add column new_per_day int not null default 30 check (new_per_day between 1 and 500);

alter table review_cards add column introduced_on date;
update review_cards set introduced_on = (last_review at time zone 'UTC')::date;
alter table review_cards alter column introduced_on set not null;
alter table review_cards alter column introduced_on set default current_date;
create index review_cards_introduced_idx on review_cards (user_id, introduced_on);
