import GRDB

/// The index's SQLite schema, evolved through GRDB's migrator. The index is a cache: a database
/// whose migrations are not exactly these (older, newer, half-built) is rebuilt, never migrated
/// by hand. Bump `version` (a new migration) whenever a column or its meaning changes.
enum IndexSchema {
    static let version = "v6"

    /// Two steps so a rebuild can fill the tables before building secondary indexes (faster).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("\(version)-tables") { db in
            try db.execute(
                sql: """
                    -- An asset's rowid is its owner's slot << 32 plus a count (IndexWriter.Rowids), so
                    -- a search within one user's assets is a rowid range that FTS5 seeks into.
                    -- Templates and jobs have slot 0.
                    CREATE TABLE user_slot (slot INTEGER PRIMARY KEY, userId TEXT NOT NULL UNIQUE);
                    CREATE TABLE item (
                        rowid INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,            -- asset | template | job
                        id TEXT NOT NULL,
                        path TEXT NOT NULL,            -- entity folder, library-relative
                        collection TEXT NOT NULL,      -- folder below the kind's top folder
                        userId TEXT NOT NULL,
                        type TEXT NOT NULL,
                        category TEXT,                 -- lower-cased
                        status TEXT,
                        provider TEXT,
                        model TEXT,
                        isPublic INTEGER NOT NULL,
                        isFavorite INTEGER NOT NULL,
                        isDefault INTEGER NOT NULL,
                        usageCount INTEGER NOT NULL,
                        priority INTEGER NOT NULL,
                        cost REAL,                     -- USD (assets and jobs), for budgets
                        parent TEXT,                   -- an asset's parentAssetId, for lineage
                        hash TEXT,                     -- an asset's contentHash, for duplicates
                        source TEXT,                   -- an asset's source (generated, imported, uploaded)
                        titleKey TEXT NOT NULL,        -- lower-cased title or name, for sorting
                        createdAt INTEGER NOT NULL,    -- milliseconds since 1970
                        updatedAt INTEGER NOT NULL,
                        size INTEGER NOT NULL,         -- the sidecar's stat, to spot changes
                        mtime INTEGER NOT NULL,        -- nanoseconds
                        inode INTEGER NOT NULL,
                        sidecar BLOB NOT NULL          -- the sidecar bytes as last read
                    );
                    CREATE TABLE item_tag (tag TEXT NOT NULL, item INTEGER NOT NULL, PRIMARY KEY (tag, item)) WITHOUT ROWID;
                    CREATE VIRTUAL TABLE item_fts USING fts5(
                        title, description, prompt, negativePrompt, tags,
                        content='', tokenize='unicode61 remove_diacritics 2'
                    );
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    -- Partial indexes that few rows enter are kept up during a rebuild's load: built
                    -- after it, each would read the whole table (sidecars included) once more.
                    CREATE INDEX item_not_asset ON item(kind, usageCount) WHERE kind <> 'asset';
                    CREATE INDEX item_job_queue ON item(status, priority, createdAt) WHERE kind = 'job';
                    -- Lineage lookups; most assets have no parent.
                    CREATE INDEX item_parent ON item(parent) WHERE parent IS NOT NULL;
                    """)
        }
        migrator.registerMigration("\(version)-indexes") { db in
            try db.execute(
                sql: """
                    -- Few on purpose: each costs rebuild time. Sorting one user's items by
                    -- updatedAt or title sorts that user's rows; templates and jobs are few.
                    CREATE UNIQUE INDEX item_kind_id ON item(kind, id);
                    CREATE INDEX item_user_created ON item(kind, userId, createdAt, id);
                    CREATE INDEX item_tag_item ON item_tag(item);
                    -- Covers a reconcile's read of what the index saw (the table holds the
                    -- sidecars: reading it whole touched every page), and finds a folder's row.
                    CREATE INDEX item_folder ON item(path, size, mtime, inode, kind);
                    -- Duplicate lookups: every asset saved by the engine has a content hash.
                    CREATE INDEX item_hash ON item(hash, userId) WHERE hash IS NOT NULL;
                    """)
        }
        return migrator
    }
}
