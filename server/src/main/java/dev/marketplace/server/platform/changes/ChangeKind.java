package dev.marketplace.server.platform.changes;

/** What happened to an entity in a change feed: it now exists as it is (created or changed), or it is gone. */
public enum ChangeKind {
    UPSERTED("upserted"),
    DELETED("deleted");

    private final String wireName;

    ChangeKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static ChangeKind fromWireName(String name) {
        return name.equals(DELETED.wireName) ? DELETED : UPSERTED;
    }
}
