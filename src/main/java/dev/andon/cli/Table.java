package dev.andon.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with left-aligned columns, for terminals and logs alike. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... header) {
        this.columns = header.length;
        rows.add(header);
    }

    /** Adds a row; {@code null} cells print as {@code -}. */
    Table row(Object... cells) {
        if (cells.length != columns) throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
        String[] row = new String[columns];
        for (int i = 0; i < columns; i++) row[i] = cells[i] == null ? "-" : String.valueOf(cells[i]);
        rows.add(row);
        return this;
    }

    /** The table, one line per row, each ending with a newline; the last column is not padded. */
    String render() {
        int[] widths = new int[columns];
        for (String[] row : rows)
            for (int i = 0; i < columns; i++) widths[i] = Math.max(widths[i], row[i].length());
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                out.append(row[i]);
                if (i < columns - 1) out.append(" ".repeat(widths[i] - row[i].length() + 2));
            }
            out.append('\n');
        }
        return out.toString();
    }
}
