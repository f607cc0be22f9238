-- share/sample.sql -- a small sample schema and data for trying rangedb.
-- contrib/quickstart loads it into a fresh local cluster before it opens
-- sqlsh; load it yourself with:  sqlsh -f share/sample.sql
-- It can be loaded again: it drops its own tables first.

DROP VIEW IF EXISTS branch_totals;
DROP TABLE IF EXISTS transfers;
DROP TABLE IF EXISTS accounts;
DROP TABLE IF EXISTS branches;

CREATE TABLE branches (
    id    INT PRIMARY KEY,
    city  VARCHAR(40) NOT NULL UNIQUE,
    opened DATE
);

CREATE TABLE accounts (
    id       INT PRIMARY KEY,
    owner    TEXT NOT NULL,
    branch   INT NOT NULL,
    balance  DECIMAL(12,2) NOT NULL DEFAULT 0,
    created  TIMESTAMP DEFAULT now()
);
CREATE INDEX accounts_branch ON accounts (branch);

CREATE TABLE transfers (
    src     INT NOT NULL,
    dst     INT NOT NULL,
    amount  DECIMAL(12,2) NOT NULL,
    note    TEXT,
    PRIMARY KEY (src, dst, note)
);

INSERT INTO branches VALUES
    (1, 'Lisbon', '2019-03-01'),
    (2, 'Oslo', '2020-06-15'),
    (3, 'Nairobi', '2021-11-30');

INSERT INTO accounts (id, owner, branch, balance) VALUES
    (1, 'alice', 1, 1200.00),
    (2, 'bob', 1, 310.50),
    (3, 'carol', 2, 8000.00),
    (4, 'dave', 2, 45.25),
    (5, 'erin', 3, 990.00),
    (6, 'frank', 3, 0);

-- a transfer is two updates in one transaction: all or nothing
BEGIN;
UPDATE accounts SET balance = balance - 100 WHERE id = 3;
UPDATE accounts SET balance = balance + 100 WHERE id = 6;
INSERT INTO transfers VALUES (3, 6, 100, 'first deposit');
COMMIT;

CREATE VIEW branch_totals AS
    SELECT b.city, count(*) AS accounts, sum(a.balance) AS total
    FROM branches b JOIN accounts a ON a.branch = b.id
    GROUP BY b.city;
