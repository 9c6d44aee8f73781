"""Creating a warehouse schema, seeding its configuration, and table signatures (DBSIG)."""
from __future__ import annotations

from etl import schema, sqlfuncs
from etl.contract_cfg import ENUMS, RULE_DEFAULTS, STATION_STANDARD


def create_schema(con) -> None:
    """All snapshot tables of the contract (empty), in the connection's current database."""
    for table in schema.SNAPSHOT_TABLES:
        con.execute(schema.ddl(table))


def drop_upload_keys(con) -> list[str]:
    """Snapshots written before uploadable tables lost their PRIMARY KEY (see schema.ddl) get them rebuilt
    without it, rows unchanged, so a large commit need not hold the key index in memory. Returns the tables."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
                                      "AND database_name = current_database() AND schema_name = 'main'").fetchall()}
    done = []
    for table in schema.SNAPSHOT_TABLES:
        if table.uploadable and table.name in have:
            con.execute(schema.ddl(table, name=f"_rekey_{table.name}"))
            con.execute(f"INSERT INTO _rekey_{table.name} BY NAME SELECT * FROM {table.name}")
            con.execute(f"DROP TABLE {table.name}")
            con.execute(f"ALTER TABLE _rekey_{table.name} RENAME TO {table.name}")
            done.append(table.name)
    return done


def seed_config(con) -> None:
    """Default cfg_ rows from the registries; an administrator may edit them later."""
    con.execute("DELETE FROM cfg_enum")
    con.executemany("INSERT INTO cfg_enum VALUES (?, ?, ?, ?)",
                    [(d, v, label, i) for d, vals in ENUMS.items() for i, (v, label) in enumerate(vals)])
    con.execute("DELETE FROM cfg_rule")
    con.executemany("INSERT INTO cfg_rule VALUES (?, ?, ?, ?, ?)",
                    [(k, *v) for k, v in RULE_DEFAULTS.items()])
    con.execute("DELETE FROM cfg_station_standard")
    con.executemany("INSERT INTO cfg_station_standard VALUES (?, ?, ?, ?)",
                    [(c, label, i, "[E S25] 源城“七有”") for i, (c, label) in enumerate(STATION_STANDARD)])
    try:
        from etl.indicators import cfg_kpi_rows
    except ImportError:  # indicators registry not present yet
        return
    con.execute("DELETE FROM cfg_kpi")
    cols = [c.name for c in schema.BY_NAME["cfg_kpi"].columns]
    con.executemany(f"INSERT INTO cfg_kpi ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [tuple(row[c] for c in cols) for row in cfg_kpi_rows()])


def install_macros(con, temp: bool = True) -> None:
    sqlfuncs.install(con, "cfg_rule", temp=temp)


def signature(con, tables=None, lineage: bool = False) -> dict[str, tuple[int, int]]:
    """DBSIG: (row count, order-independent hash of all columns) per table (SQLite crash.test idea)."""
    names = tables or [t.name for t in schema.SNAPSHOT_TABLES]
    sig = {}
    for name in names:
        cols = [d[0] for d in con.execute(f"SELECT * FROM {name} LIMIT 0").description
                if lineage or d[0] not in ("_batch", "_row")]
        expr = "hash(" + ", ".join(cols) + ")" if cols else "0"
        n, h = con.execute(f"SELECT count(*), coalesce(sum({expr}), 0) FROM {name}").fetchone()
        sig[name] = (int(n), int(h))
    return sig
