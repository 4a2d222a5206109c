/** Tax rules as data (issuer country x buyer country or group x buyer type), and which one applies to a sale. */
package io.tokenmeter.billing.tax;
