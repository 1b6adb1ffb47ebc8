package dev.marketplace.server.catalog;

/**
 * A banned word the automatic compliance check found.
 *
 * @param field where: {@code title/ja}, {@code attributes/material}, {@code variants/0/attributes/size}
 */
public record ComplianceFinding(String word, String field) {
}
