(function(){var form=document.querySelector(".tvmw-search"),input=document.getElementById("tvmw-q");
if(!form||!input)return;
var items=[].slice.call(document.querySelectorAll(".tvmw-channel")),
groups=[].slice.call(document.querySelectorAll(".tvmw-tariff")),
count=document.querySelector(".tvmw-count__value"),empty=document.querySelector(".tvmw-empty");
function filter(){var q=input.value.trim().toLowerCase(),seen={},n=0;
items.forEach(function(li){var hit=!q||li.getAttribute("data-name").indexOf(q)>=0;li.hidden=!hit;
if(hit&&!seen[li.getAttribute("data-id")]){seen[li.getAttribute("data-id")]=1;n++}});
groups.forEach(function(g){g.hidden=!g.querySelector(".tvmw-channel:not([hidden])")});
if(count)count.textContent=n;if(empty)empty.hidden=n>0}
input.addEventListener("input",filter);
form.addEventListener("submit",function(e){e.preventDefault();filter()});
if(input.value)filter()})();
