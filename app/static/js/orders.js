// Manual order entry: picking a product in a line's SKU picker fills its quantity with 1 when
// it is empty and moves to it, so one order line is one pick and one number. Everything works
// without this file (the server checks every line).
(function () {
  "use strict";
  var pickers = document.querySelectorAll("select[data-sku-picker]");
  Array.prototype.forEach.call(pickers, function (picker) {
    picker.addEventListener("change", function () {
      var row = picker.closest("fieldset");
      var quantity = row && row.querySelector("input[name$='-quantity']");
      if (!quantity || !picker.value) return;
      if (!quantity.value.trim()) quantity.value = "1";
      quantity.focus();
      quantity.select();
    });
  });
})();
