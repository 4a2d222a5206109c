/** The JSON conventions of every TokenMeter wire, in one place. */
package io.tokenmeter.contracts.json;
