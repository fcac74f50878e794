package cache

import (
	"context"
	"database/sql"
	"strings"
)

// inserter batches rows into multi-row INSERTs through one prepared
// statement: per-statement overhead, not per-row, dominates in SQLite.
type inserter struct {
	tx   *sql.Tx
	head string
	ncol int
	per  int
	full *sql.Stmt
	args []any
	rows int
}

// maxParams stays well below SQLite's default limit of 32766 variables.
const maxParams = 4000

func newInserter(ctx context.Context, tx *sql.Tx, table, cols string) (*inserter, error) {
	ncol := strings.Count(cols, ",") + 1
	b := &inserter{tx: tx, head: "INSERT INTO " + table + " (" + cols + ") VALUES ", ncol: ncol, per: max(1, maxParams/ncol)}
	var err error
	if b.full, err = tx.PrepareContext(ctx, b.query(b.per)); err != nil {
		return nil, err
	}
	b.args = make([]any, 0, b.per*ncol)
	return b, nil
}

func (b *inserter) query(rows int) string {
	one := "(" + strings.Repeat("?, ", b.ncol-1) + "?)"
	var sb strings.Builder
	sb.WriteString(b.head)
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(one)
	}
	return sb.String()
}

func (b *inserter) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows < b.per {
		return nil
	}
	_, err := b.full.ExecContext(ctx, b.args...)
	b.args, b.rows = b.args[:0], 0
	return ctxFirst(ctx, err)
}

func (b *inserter) flush(ctx context.Context) error {
	var err error
	if b.rows > 0 {
		_, err = b.tx.ExecContext(ctx, b.query(b.rows), b.args...)
		b.args, b.rows = b.args[:0], 0
	}
	return ctxFirst(ctx, err)
}

func (b *inserter) close() { b.full.Close() }
