"""Schema migrations, applied in order when a store opens; never edit a shipped one."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("gumd")

# Porter stemming so "planning" finds "plans"; diacritics folded so "Joao" finds "João".
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"


@migrations()
def m001_observations(db: Database) -> None:
    # The queue IS this table: status moves pending -> processing -> done|failed
    # inside transactions, so a crash can only leave rows to be reclaimed.
    db.execute(
        """
        CREATE TABLE observations (
            id INTEGER PRIMARY KEY,
            captured_at REAL NOT NULL,
            duration REAL NOT NULL DEFAULT 0,
            observer TEXT NOT NULL,
            app TEXT,
            window_title TEXT,
            url TEXT,
            content TEXT NOT NULL DEFAULT '',
            content_type TEXT NOT NULL DEFAULT 'text/plain',
            image_path TEXT,
            content_hash TEXT,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'processing', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            claimed_at REAL,
            enqueued_at REAL NOT NULL,
            processed_at REAL
        )
        """
    )
    db.execute("CREATE INDEX idx_observations_status ON observations (status, captured_at)")
    db.execute("CREATE INDEX idx_observations_captured ON observations (captured_at)")
    db.execute("CREATE INDEX idx_observations_app ON observations (app COLLATE NOCASE)")


@migrations()
def m002_propositions(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE propositions (
            id INTEGER PRIMARY KEY,
            text TEXT NOT NULL,
            reasoning TEXT NOT NULL DEFAULT '',
            confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
            decay TEXT NOT NULL,
            half_life_s REAL NOT NULL CHECK (half_life_s > 0),
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            last_evidence_at REAL NOT NULL,
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'superseded', 'rejected')),
            source TEXT NOT NULL,
            user_feedback TEXT CHECK (user_feedback IN ('confirmed', 'rejected', 'edited')),
            feedback_at REAL,
            -- apps and window titles of supporting observations, so BM25 can
            -- match a proposition through its evidence with one FTS lookup
            evidence_digest TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute(
        "CREATE INDEX idx_propositions_recent ON propositions (status, last_evidence_at)"
    )
    db.execute("CREATE INDEX idx_propositions_confidence ON propositions (status, confidence)")
    db.execute(
        """
        CREATE TABLE proposition_evidence (
            proposition_id INTEGER NOT NULL REFERENCES propositions (id) ON DELETE CASCADE,
            observation_id INTEGER NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
            relation TEXT NOT NULL CHECK (relation IN ('supports', 'contradicts')),
            created_at REAL NOT NULL,
            PRIMARY KEY (proposition_id, observation_id)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        "CREATE INDEX idx_evidence_observation ON proposition_evidence (observation_id)"
    )
    db.execute(
        """
        CREATE TABLE proposition_history (
            id INTEGER PRIMARY KEY,
            new_id INTEGER NOT NULL REFERENCES propositions (id) ON DELETE CASCADE,
            old_id INTEGER NOT NULL REFERENCES propositions (id) ON DELETE CASCADE,
            kind TEXT NOT NULL
                CHECK (kind IN ('edit', 'merge', 'split', 'contradiction', 'user_edit')),
            created_at REAL NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("CREATE INDEX idx_history_new ON proposition_history (new_id)")
    db.execute("CREATE INDEX idx_history_old ON proposition_history (old_id)")


@migrations()
def m003_suggestions(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            kind TEXT NOT NULL DEFAULT 'generic',
            title TEXT NOT NULL,
            body TEXT NOT NULL DEFAULT '',
            action TEXT NOT NULL DEFAULT '{}',
            scores TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'shown', 'accepted', 'dismissed', 'snoozed', 'done')),
            feedback TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_suggestions_status ON suggestions (status, created_at)")


def _fts_with_triggers(
    db: Database, table: str, columns: list[str], weights: list[float], detail: str = "full"
) -> None:
    """External-content FTS5 index over ``table`` kept in sync by triggers, with a vocabulary table.

    The vocabulary (``<table>_vocab``) tells how many rows hold a term, so a
    query can leave out terms too common to rank by.
    """
    fts = f"{table}_fts"
    cols = ", ".join(columns)
    new_cols = ", ".join(f"new.{c}" for c in columns)
    old_cols = ", ".join(f"old.{c}" for c in columns)
    db.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
        f"content_rowid='id', tokenize='{FTS_TOKENIZE}', detail={detail})"
    )
    db.execute(f"CREATE VIRTUAL TABLE {table}_vocab USING fts5vocab({fts}, 'row')")
    # A stored rank lets queries use FTS5's fast "ORDER BY rank LIMIT n" path.
    bm25_args = ", ".join(str(w) for w in weights)
    db.execute(f"INSERT INTO {fts} ({fts}, rank) VALUES ('rank', 'bm25({bm25_args})')")
    db.execute(
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts} (rowid, {cols}) VALUES (new.id, {new_cols}); END"
    )
    db.execute(
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES ('delete', old.id, {old_cols}); END"
    )
    # Only text columns feed the index: status changes of queue rows must not
    # rewrite the index, or every claim/done would cost a delete + insert.
    watched = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
    db.execute(
        f"CREATE TRIGGER {table}_au AFTER UPDATE OF {cols} ON {table} WHEN {watched} BEGIN "
        f"INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES ('delete', old.id, {old_cols}); "
        f"INSERT INTO {fts} (rowid, {cols}) VALUES (new.id, {new_cols}); END"
    )


@migrations()
def m004_fts(db: Database) -> None:
    _fts_with_triggers(
        db, "propositions", ["text", "reasoning", "evidence_digest"], [1.0, 0.4, 0.25]
    )
    # Observations are many and long: per-column detail (no token positions) indexes
    # them about twice as fast and smaller; their queries never need phrases.
    _fts_with_triggers(db, "observations", ["content", "window_title", "app"], [1.0, 0.6, 0.3],
                       detail="column")


@migrations()
def m005_topic_and_audit(db: Database) -> None:
    # topic_key: a stable handle an inferrer gives the thing a proposition is
    # about (e.g. an app's time use), so a restatement revises it in place.
    db.execute("ALTER TABLE propositions ADD COLUMN topic_key TEXT")
    # sensitive: comma-separated audit categories (health, finances, ...) for review.
    db.execute("ALTER TABLE propositions ADD COLUMN sensitive TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX idx_propositions_topic ON propositions (topic_key, status)")


@migrations()
def m006_suggestion_grounding(db: Database) -> None:
    # dedupe_key: the same suggestion is never made twice (and never again once dismissed).
    db.execute("ALTER TABLE suggestions ADD COLUMN dedupe_key TEXT")
    # proposition_ids: what it rests on (a JSON list), so forgetting those forgets it.
    db.execute("ALTER TABLE suggestions ADD COLUMN proposition_ids TEXT NOT NULL DEFAULT '[]'")
    db.execute("ALTER TABLE suggestions ADD COLUMN snoozed_until REAL")
    db.execute("ALTER TABLE suggestions ADD COLUMN due_at REAL")
    db.execute("CREATE UNIQUE INDEX idx_suggestions_key ON suggestions (dedupe_key)")


@migrations()
def m007_suggestion_observations(db: Database) -> None:
    # observation_ids: the observations a suggestion was made from (a JSON list), so
    # forgetting them, or their ageing out, takes the suggestion and its screen text too.
    db.execute("ALTER TABLE suggestions ADD COLUMN observation_ids TEXT NOT NULL DEFAULT '[]'")


@migrations()
def m008_provenance(db: Database) -> None:
    # provenance: "did" when some evidence shows the person acting (writing, sending, editing,
    # running), "saw" when it only shows what they were shown; "" for what came before.
    db.execute("ALTER TABLE propositions ADD COLUMN provenance TEXT NOT NULL DEFAULT ''")


@migrations()
def m009_questions(db: Database) -> None:
    # One question per proposition, kept across listings so it is never asked twice;
    # it goes with its proposition when that is forgotten (its text quotes it).
    db.execute(
        """
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            proposition_id INTEGER NOT NULL UNIQUE
                REFERENCES propositions (id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            why TEXT NOT NULL DEFAULT '',
            score REAL NOT NULL DEFAULT 0,
            reasons TEXT NOT NULL DEFAULT '[]',
            created_at REAL NOT NULL,
            asked_at REAL,
            answered_at REAL,
            answer TEXT CHECK (answer IN ('yes', 'no', 'skip', 'edit')),
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'answered', 'skipped')),
            skipped_until REAL,
            -- the version an edit made
            new_proposition_id INTEGER
        )
        """
    )
    db.execute("CREATE INDEX idx_questions_status ON questions (status, asked_at)")


@migrations()
def m010_id_floor(db: Database) -> None:
    # The highest id each table has given: SQLite gives max + 1, so without this a forgotten
    # newest row's id went to the next row (see store.base.next_id).
    db.execute("CREATE TABLE id_floor (name TEXT PRIMARY KEY, last INTEGER NOT NULL)")
    for table in ("observations", "propositions", "suggestions", "questions"):
        db.execute(f"INSERT INTO id_floor (name, last) SELECT ?, coalesce(max(id), 0) FROM {table}",
                   [table])


@migrations()
def m011_proposition_use(db: Database) -> None:
    # How often assistants were given a proposition (the API's and MCP's context and search):
    # what an assistant relies on is worth asking the person about. A row per proposition
    # served at least once; it goes with its proposition.
    db.execute(
        """
        CREATE TABLE proposition_use (
            proposition_id INTEGER PRIMARY KEY REFERENCES propositions (id) ON DELETE CASCADE,
            served INTEGER NOT NULL DEFAULT 0,
            last_served_at REAL
        )
        """
    )


def apply(db: Database) -> None:
    migrations.apply(db)


def pending(db: Database) -> list[str]:
    return [m.name for m in migrations.pending(db)]
