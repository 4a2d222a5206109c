// The console's only script: the usage chart (Chart.js), and each UTC time shown with the reader's own zone
// beside it (the browser's Intl, no date code of our own). Pages work without it.
(function () {
  'use strict';

  function localTimes() {
    var format = new Intl.DateTimeFormat(undefined, {
      year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short'
    });
    document.querySelectorAll('time[datetime]').forEach(function (el) {
      if (el.dataset.local || !el.getAttribute('datetime')) return;
      var at = new Date(el.getAttribute('datetime'));
      if (isNaN(at)) return;
      el.dataset.local = '1';
      var local = document.createElement('span');
      local.className = 'local-time';
      local.textContent = ' (' + format.format(at) + ')';
      el.after(local);
    });
  }

  function usageChart() {
    var data = document.getElementById('usage-chart-data');
    var canvas = document.getElementById('usage-chart');
    if (!data || !canvas || typeof Chart === 'undefined') return;
    var parsed = JSON.parse(data.textContent);
    // money axes: the currency's symbol and three significant digits, so a cent's fraction is not 5.000000E-5
    var ticks = parsed.unit === 'tokens' ? {} : {
      callback: function (value) {
        return new Intl.NumberFormat(undefined,
          {style: 'currency', currency: parsed.unit, maximumSignificantDigits: 3}).format(value);
      }
    };
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: parsed.labels,
        datasets: parsed.series.map(function (s) { return {label: s.name, data: s.values}; })
      },
      options: {
        responsive: true,
        animation: false,
        scales: {x: {stacked: true}, y: {stacked: true, ticks: ticks, title: {display: true, text: parsed.unit}}}
      }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    usageChart();
    localTimes();
  });
  document.addEventListener('htmx:afterSwap', localTimes);
})();
