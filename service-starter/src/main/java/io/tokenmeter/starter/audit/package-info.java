/** The admin audit trail: one table, one writer, in every service that lets staff change things. */
package io.tokenmeter.starter.audit;
